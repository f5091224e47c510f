// Staff pages' small behaviours, kept out of the HTML so a Content-Security-Policy without
// inline script can hold. Each part runs only where its elements exist.
(function () {
  "use strict";

  function drawCharts() {
    var source = document.getElementById("chart-data");
    if (!source || typeof Chart === "undefined") return;
    var d = JSON.parse(source.textContent);
    Chart.defaults.font.size = 15; // readable on a projector
    Chart.defaults.font.family = "'Noto Sans CJK KR','Noto Sans KR','Malgun Gothic',sans-serif";
    var options = {animation: false, responsive: true, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}};
    new Chart(document.getElementById("by-department"), {type: "bar", data: {labels: d.departments, datasets: [
      {label: d.labels.received, data: d.received, backgroundColor: "#2563eb"},
      {label: d.labels.answered, data: d.answered, backgroundColor: "#16a34a"},
      {label: d.labels.on_time, data: d.on_time, backgroundColor: "#f59e0b"}]}, options: options});
    new Chart(document.getElementById("by-month"), {type: "line", data: {labels: d.months, datasets: [
      {label: d.labels.received, data: d.month_received, borderColor: "#2563eb", backgroundColor: "#2563eb"},
      {label: d.labels.answered, data: d.month_answered, borderColor: "#16a34a", backgroundColor: "#16a34a"}]},
      options: options});
  }

  function openAction(selector) {
    var box = document.querySelector(selector);
    if (box) box.open = true;
    return box;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-suggest-department]");
    if (button) {
      document.querySelectorAll("select[name=department]").forEach(function (select) {
        select.value = button.getAttribute("data-suggest-department");
      });
      openAction("details[data-action=assign],details[data-action=reassign]");
      return;
    }
    if (event.target.closest("#use-draft")) {
      var box = openAction("details[data-action=submit]");
      var draft = document.getElementById("draft-text");
      if (box && draft) box.querySelector("textarea[name=answer]").value = draft.content.textContent;
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
})();
