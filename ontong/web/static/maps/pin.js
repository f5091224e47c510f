// A small read-only map with one pin: the citizen's receipt and the staff case page
// (any element with data-pin-lat / data-pin-lng).
(function () {
  "use strict";
  if (!window.L || !window.OntongMap) return;
  document.querySelectorAll("[data-pin-lat]").forEach(function (el) {
    var at = L.latLng(Number(el.dataset.pinLat), Number(el.dataset.pinLng));
    var map = OntongMap.create(el, { dragging: true, keyboard: true });
    map.setView(at, el.dataset.tiles ? 15 : 13);
    L.marker(at, { alt: el.dataset.markerAlt || "", keyboard: false }).addTo(map);
  });
})();
