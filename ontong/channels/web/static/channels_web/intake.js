// The complaint form: the phone's location, and photos checked before they are sent, so that a
// refusal never costs the citizen what they typed. Texts come from the page (translated there).
(function () {
  var button = document.getElementById("use-location");
  var note = document.getElementById("location-note");
  if (button && note) {
    button.addEventListener("click", function () {
      if (!navigator.geolocation) { note.textContent = button.dataset.unsupported; return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById("id_latitude").value = p.coords.latitude.toFixed(6);
        document.getElementById("id_longitude").value = p.coords.longitude.toFixed(6);
        note.textContent = button.dataset.done;
      }, function () { note.textContent = button.dataset.failed; });
    });
  }
  var photos = document.getElementById("id_photos");
  var warning = document.getElementById("photos-warning");
  if (photos && warning) {
    photos.addEventListener("change", function () {
      var max = Number(photos.dataset.maxBytes), count = Number(photos.dataset.maxCount);
      var big = Array.prototype.filter.call(photos.files, function (f) { return f.size > max; });
      var text = "";
      if (photos.files.length > count) text = warning.dataset.tooMany;
      else if (big.length) text = warning.dataset.tooBig + " " + big.map(function (f) { return f.name; }).join(", ");
      warning.textContent = text;
      if (text) photos.value = "";
    });
  }
})();
