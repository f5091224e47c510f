// The staff map of open cases: pins in clusters (leaflet.markercluster), the title and first photo
// on hover, a link to the case on click; or, by 읍면동, the boundaries shaded by their counts.
(function () {
  "use strict";
  var el = document.getElementById("cases-map");
  if (!el || !window.L || !window.OntongMap) return;
  var cases = JSON.parse(document.getElementById("map-points").textContent);
  var areas = JSON.parse(document.getElementById("map-areas").textContent);
  var map = OntongMap.create(el);

  function card(c, withLink) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement(withLink ? "a" : "strong");
    if (withLink) title.href = c.url;
    title.textContent = c.no + " " + c.title;
    box.appendChild(title);
    var meta = document.createElement("div");
    meta.className = "muted";
    meta.textContent = [c.state, c.department, c.area, c.received].filter(Boolean).join(" · ");
    box.appendChild(meta);
    if (c.photo) {
      var img = document.createElement("img");
      img.src = c.photo; img.alt = ""; img.loading = "lazy";
      box.appendChild(img);
    }
    return box;
  }

  if (el.dataset.view === "areas") {
    var counts = {};
    areas.forEach(function (a) { counts[a.name] = a.n; });
    var most = Math.max.apply(null, [1].concat(areas.map(function (a) { return a.n; })));
    map.ontongBoundaries.then(function (layer) {
      if (!layer) return;
      layer.eachLayer(function (l) {
        var n = counts[l.feature.properties.name] || 0;
        l.setStyle({ fillColor: "#c0392b", fillOpacity: n ? 0.15 + 0.6 * n / most : 0.05 });
        var label = L.marker(l.getBounds().getCenter(), {
          interactive: false, keyboard: false,
          icon: L.divIcon({ className: "emd-label emd-count", html: "", iconSize: null })
        }).addTo(map);
        label.getElement().textContent = l.feature.properties.name + " " + n + el.dataset.caseWord;
      });
    });
    return;
  }
  var group = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
  var bounds = [];
  cases.forEach(function (c) {
    var marker = L.marker([c.lat, c.lng], { alt: c.no + " " + c.title, title: c.no });
    marker.bindTooltip(card(c, false), { direction: "top", offset: [0, -30] });
    marker.bindPopup(card(c, true));
    group.addLayer(marker);
    bounds.push([c.lat, c.lng]);
  });
  map.addLayer(group);
  if (bounds.length) map.fitBounds(bounds, { maxZoom: el.dataset.tiles ? 16 : 13, padding: [30, 30] });
  el.dataset.markers = String(cases.length);
})();
