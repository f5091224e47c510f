// One way to draw the city's map (Leaflet, vendored): tiles when the city configured a tile
// server (data-tiles, an OpenStreetMap-compatible URL template), otherwise — the offline demo —
// only the 읍면동 boundaries from the shipped GeoJSON file (data-boundaries). Pages call
// OntongMap.create(element) and get the Leaflet map back, with .ontongBoundaries resolving to
// the boundary layer (or null).
(function () {
  "use strict";
  // Leaflet finds its marker images by reading its CSS for "marker-icon.png"; collectstatic gives
  // them hashed names, so production pages asked for /complaints/…/marker-icon.png (404). The
  // template passes the real static URLs.
  var assets = document.currentScript && document.currentScript.dataset;
  if (window.L && assets && assets.markerIcon) {
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: assets.markerIcon,
      iconRetinaUrl: assets.markerIcon2x,
      shadowUrl: assets.markerShadow
    });
  }
  function create(el, options) {
    var d = el.dataset;
    var map = L.map(el, Object.assign({ scrollWheelZoom: false, maxZoom: 19 }, options || {}))
      .setView([Number(d.lat), Number(d.lng)], Number(d.zoom) || 11);
    if (d.tiles) {
      L.tileLayer(d.tiles, { maxZoom: 19, attribution: d.attribution || "" }).addTo(map);
    } else if (d.attribution) {
      map.attributionControl.addAttribution(d.attribution);
    }
    map.ontongBoundaries = d.boundaries
      ? fetch(d.boundaries, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) return null;
            var layer = L.geoJSON(data, {
              interactive: false,
              style: { color: "#3b5b92", weight: d.tiles ? 1 : 1.5, fillColor: "#dbe6f6", fillOpacity: d.tiles ? 0 : 0.35 }
            }).addTo(map);
            if (!d.tiles) {
              // Without tiles the names are the only landmarks.
              layer.eachLayer(function (l) {
                var name = l.feature && l.feature.properties && l.feature.properties.name;
                if (name) {
                  L.marker(l.getBounds().getCenter(), {
                    interactive: false, keyboard: false,
                    icon: L.divIcon({ className: "emd-label", html: "", iconSize: null })
                  }).addTo(map).getElement().textContent = name;
                }
              });
            }
            return layer;
          })
          .catch(function () { return null; })
      : Promise.resolve(null);
    return map;
  }
  window.OntongMap = { create: create };
})();
