"""Maps: where the map's tiles and the city's 읍면동 boundaries come from, distances, and the
pluggable reverse geocoder (the address for a pin).

The map library (Leaflet, vendored in web/static/vendor) draws either tiles from an
OpenStreetMap-compatible URL template (`ONTONG_MAP_TILES`, e.g. VWorld's WMTS in production) or,
with no template (the offline demo), only the shipped boundary file (`ONTONG_MAP_BOUNDARIES`).

The reverse geocoder is off unless `ONTONG_GEOCODER` names one. `vworld` asks 공간정보 오픈플랫폼
(VWorld)'s address API with `ONTONG_VWORLD_KEY`, through the shared HTTP client with a timeout;
any failure is "no address" (the citizen types it), never an error page.
"""

import functools
import json
import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from ontong.outbound import http

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_000
VWORLD_ADDRESS_URL = "https://api.vworld.kr/req/address"


@dataclass(frozen=True)
class MapConfig:
    tiles: str
    attribution: str
    boundaries: str  # URL of the GeoJSON file
    center: tuple[float, float]
    zoom: int

    def as_data(self) -> dict[str, Any]:
        """For the page's data-* attributes (read by map.js)."""
        return {
            "tiles": self.tiles,
            "attribution": self.attribution,
            "boundaries": self.boundaries,
            "lat": self.center[0],
            "lng": self.center[1],
            "zoom": self.zoom,
        }


def map_config() -> MapConfig:
    lat, lng = (float(part) for part in settings.ONTONG_MAP_CENTER.split(","))
    return MapConfig(
        tiles=settings.ONTONG_MAP_TILES,
        attribution=settings.ONTONG_MAP_ATTRIBUTION,
        boundaries=static(settings.ONTONG_MAP_BOUNDARIES),
        center=(lat, lng),
        zoom=settings.ONTONG_MAP_ZOOM,
    )


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def box(lat: float, lng: float, metres: float) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """A latitude/longitude box around a point that holds every point within `metres`:
    the database narrows with it, distance_m decides."""
    dlat = math.degrees(metres / EARTH_RADIUS_M)
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    return (
        Decimal(f"{lat - dlat:.6f}"),
        Decimal(f"{lat + dlat:.6f}"),
        Decimal(f"{lng - dlng:.6f}"),
        Decimal(f"{lng + dlng:.6f}"),
    )


Ring = list[tuple[float, float]]  # (lng, lat) as in GeoJSON


@functools.cache
def boundaries(path: str) -> list[tuple[str, list[list[Ring]]]]:
    """(읍면동 name, polygons) from the boundary file (a static path); each polygon is its outer
    ring and holes."""
    found = finders.find(path)
    return read_boundaries(found) if isinstance(found, str) else []


@functools.cache
def read_boundaries(found: str | Path) -> list[tuple[str, list[list[Ring]]]]:
    with open(found, encoding="utf-8") as handle:
        data = json.load(handle)
    areas = []
    for feature in data.get("features", []):
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        rings = [
            [[(float(x), float(y)) for x, y in ring] for ring in polygon] for polygon in polygons
        ]
        areas.append((str(feature.get("properties", {}).get("name", "")), rings))
    return areas


def inside(ring: Ring, lng: float, lat: float) -> bool:
    """Ray casting: is the point inside the ring?"""
    result = False
    j = len(ring) - 1
    for i, (xi, yi) in enumerate(ring):
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            result = not result
        j = i
    return result


def area_name_at(lat: float, lng: float) -> str:
    """The 읍면동 whose boundary holds the point ("" outside them all, or with no file)."""
    for name, polygons in boundaries(settings.ONTONG_MAP_BOUNDARIES):
        for outer, *holes in polygons:
            if inside(outer, lng, lat) and not any(inside(h, lng, lat) for h in holes):
                return name
    return ""


def geocoder_configured() -> bool:
    return settings.ONTONG_GEOCODER == "vworld" and bool(settings.ONTONG_VWORLD_KEY)


def reverse_geocode(lat: float, lng: float) -> str:
    """The address at a point, or "" (no geocoder, nothing there, or the service failed)."""
    if not geocoder_configured():
        return ""
    try:
        response = http().get(
            settings.ONTONG_VWORLD_URL,
            params={
                "service": "address",
                "request": "getAddress",
                "version": "2.0",
                "crs": "epsg:4326",
                "point": f"{lng:.6f},{lat:.6f}",
                "format": "json",
                "type": "both",
                "zipcode": "false",
                "simple": "true",
                "key": settings.ONTONG_VWORLD_KEY,
            },
            timeout=settings.ONTONG_GEOCODER_TIMEOUT,
        )
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("reverse geocoder failed: %s", exc)
        return ""
    return address_from_vworld(body)


def address_from_vworld(body: Any) -> str:
    """The road address if there is one, else the parcel (지번) address."""
    if not isinstance(body, dict):
        return ""
    answer = body.get("response") or {}
    if answer.get("status") != "OK":
        return ""
    results = [r for r in answer.get("result") or [] if isinstance(r, dict) and r.get("text")]
    results.sort(key=lambda r: 0 if r.get("type") == "road" else 1)
    return str(results[0]["text"])[:300] if results else ""
