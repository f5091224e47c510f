"""Make the shipped 읍면동 boundary file from 통계청 SGIS boundaries (via southkorea/southkorea-maps).

    python scripts/boundaries.py skorea-submunicipalities-2018-topo.json 3405 > out.geojson

Decodes the TopoJSON, keeps the 읍면동 whose SGIS code starts with the city's prefix (서산시: 3405),
simplifies each ring (Douglas-Peucker, ~30 m) and rounds to 5 decimals (~1 m), so the file stays
small. Standard library only.
"""

import json
import sys

TOLERANCE = 0.0003  # degrees, about 30 m


def decode_arcs(topo):
    scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)
    return arcs


def ring(arcs, indexes):
    points = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    return points


def simplify(points, tolerance):
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = (dx * dx + dy * dy) ** 0.5
    far, index = 0.0, 0
    for i, (x, y) in enumerate(points[1:-1], start=1):
        if norm:
            d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm
        else:
            d = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
        if d > far:
            far, index = d, i
    if far <= tolerance:
        return [points[0], points[-1]]
    return simplify(points[: index + 1], tolerance)[:-1] + simplify(points[index:], tolerance)


def polygon(arcs, rings):
    out = []
    for indexes in rings:
        points = simplify(ring(arcs, indexes), TOLERANCE)
        if len(points) >= 4:
            out.append([[round(x, 5), round(y, 5)] for x, y in points])
    return out


def main(path, prefix):
    topo = json.load(open(path, encoding="utf-8"))
    arcs = decode_arcs(topo)
    features = []
    for geometry in next(iter(topo["objects"].values()))["geometries"]:
        props = geometry["properties"]
        if not props["code"].startswith(prefix):
            continue
        shapes = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        polygons = [p for p in (polygon(arcs, rings) for rings in shapes) if p]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": props["name"], "sgis_code": props["code"]},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    json.dump(collection, sys.stdout, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
