// The complaint form: a pin on the map (or the phone's location), open reports near it, and photos
// checked and previewed before they are sent, so that a refusal never costs the citizen what they
// typed. Texts come from the page (translated there). Without this script the form still works:
// the map stays hidden and the address is typed.
(function () {
  "use strict";
  var lat = document.getElementById("id_latitude");
  var lng = document.getElementById("id_longitude");
  var address = document.getElementById("id_address");
  var note = document.getElementById("location-note");
  var tools = document.getElementById("pin-tools");
  var mapEl = document.getElementById("pin-map");
  var nearby = document.getElementById("nearby");
  var locate = document.getElementById("use-location");
  var centre = document.getElementById("pin-center");
  var clear = document.getElementById("pin-clear");
  var map = null, marker = null, asked = 0;

  function say(text) { if (note) note.textContent = text || ""; }

  function showNearby(cases, at) {
    var list = nearby.querySelector("ul");
    list.textContent = "";
    cases.forEach(function (c) {
      var li = document.createElement("li");
      var title = document.createElement("strong");
      title.textContent = c.title;
      var meta = document.createElement("span");
      meta.className = "muted";
      meta.textContent = " · " + c.state + " · " + c.received + " " + nearby.dataset.received +
        " · " + nearby.dataset.distance + " " + c.distance_m + "m";
      var form = document.createElement("form");
      form.method = "post";
      form.action = nearby.dataset.followUrl;
      var fields = {
        csrfmiddlewaretoken: document.querySelector("[name=csrfmiddlewaretoken]").value,
        receipt_no: c.receipt_no, latitude: at[0], longitude: at[1], body: "", phone: "",
        consent: ""
      };
      Object.keys(fields).forEach(function (name) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = name; input.value = fields[name];
        form.appendChild(input);
      });
      var button = document.createElement("button");
      button.type = "submit"; button.className = "secondary";
      button.textContent = nearby.dataset.followLabel;
      button.setAttribute("aria-label", nearby.dataset.followLabel + ": " + c.title);
      form.appendChild(button);
      form.addEventListener("submit", function () {  // the words and the phone typed so far go with it
        form.querySelector("[name=body]").value = document.getElementById("id_body").value;
        form.querySelector("[name=phone]").value = document.getElementById("id_phone").value;
        form.querySelector("[name=consent]").value =
          document.getElementById("id_consent").checked ? "on" : "";
      });
      li.appendChild(title); li.appendChild(meta); li.appendChild(document.createTextNode(" "));
      li.appendChild(form);
      list.appendChild(li);
    });
    nearby.hidden = cases.length === 0;
  }

  function lookAround(point) {
    var ticket = ++asked;  // only the answer for the latest pin counts
    var q = "?lat=" + point[0] + "&lng=" + point[1];
    fetch(mapEl.dataset.nearUrl + q, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { cases: [] }; })
      .then(function (data) { if (ticket === asked) showNearby(data.cases || [], point); })
      .catch(function () {});
    if (mapEl.dataset.addressUrl && address && !address.value.trim()) {
      fetch(mapEl.dataset.addressUrl + q, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (data) {
          if (ticket === asked && data.address && !address.value.trim()) {
            address.value = data.address;
            say(note.dataset.address);
          }
        })
        .catch(function () {});
    }
  }

  function place(latlng, words) {
    var point = [latlng.lat.toFixed(6), latlng.lng.toFixed(6)];
    lat.value = point[0]; lng.value = point[1];
    if (marker) marker.setLatLng(latlng);
    else marker = L.marker(latlng, { draggable: true, alt: mapEl.dataset.markerAlt }).addTo(map)
      .on("dragend", function () { place(marker.getLatLng(), note.dataset.placed); });
    clear.hidden = false;
    say(words);
    lookAround(point);
  }

  if (mapEl && window.L && window.OntongMap && lat && lng) {
    tools.hidden = false;
    map = OntongMap.create(mapEl);
    if (lat.value && lng.value) {  // the form given back (an error): the pin stays
      var kept = L.latLng(Number(lat.value), Number(lng.value));
      map.setView(kept, mapEl.dataset.tiles ? 16 : 14);
      place(kept, "");
    }
    map.on("click", function (e) { place(e.latlng, note.dataset.placed); });
    centre.addEventListener("click", function () { place(map.getCenter(), note.dataset.placed); });
    clear.addEventListener("click", function () {
      lat.value = ""; lng.value = "";
      if (marker) { map.removeLayer(marker); marker = null; }
      clear.hidden = true; nearby.hidden = true; asked++;
      say(note.dataset.cleared);
    });
  }
  if (locate && map) {
    locate.addEventListener("click", function () {
      if (!navigator.geolocation) { say(locate.dataset.unsupported); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        var here = L.latLng(p.coords.latitude, p.coords.longitude);
        map.setView(here, mapEl.dataset.tiles ? 17 : 14);  // no tiles: keep the 읍면동 in sight
        place(here, locate.dataset.done);
      }, function () { say(locate.dataset.failed); }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // Photos: refuse too many or too big at once; preview the chosen ones, each with "빼기".
  var photos = document.getElementById("id_photos");
  var warning = document.getElementById("photos-warning");
  var previews = document.getElementById("photo-previews");
  function drawPreviews() {
    if (!previews) return;
    previews.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    previews.textContent = "";
    Array.prototype.forEach.call(photos.files, function (file, index) {
      var li = document.createElement("li");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = previews.dataset.photo + " " + (index + 1) + ": " + file.name;
      var remove = document.createElement("button");
      remove.type = "button"; remove.className = "secondary";
      remove.textContent = previews.dataset.remove;
      remove.setAttribute("aria-label", previews.dataset.remove + ": " + file.name);
      remove.addEventListener("click", function () {
        var keep = new DataTransfer();
        Array.prototype.forEach.call(photos.files, function (f, i) { if (i !== index) keep.items.add(f); });
        photos.files = keep.files;
        drawPreviews();
        photos.focus();
      });
      li.appendChild(img); li.appendChild(remove);
      previews.appendChild(li);
    });
    previews.hidden = photos.files.length === 0;
  }
  if (photos && warning) {
    photos.addEventListener("change", function () {
      var max = Number(photos.dataset.maxBytes), count = Number(photos.dataset.maxCount);
      var big = Array.prototype.filter.call(photos.files, function (f) { return f.size > max; });
      var text = "";
      if (photos.files.length > count) text = warning.dataset.tooMany;
      else if (big.length) text = warning.dataset.tooBig + " " + big.map(function (f) { return f.name; }).join(", ");
      warning.textContent = text;
      if (text) photos.value = "";
      drawPreviews();
    });
  }
})();
