// The publishing calendar: drag a post to another day, or use the "날짜 바꾸기" form beside it
// (keyboard and touch); either way the server answers with the calendar and a message.
(function () {
  "use strict";

  function say(text, level) {
    var box = document.getElementById("desk-message");
    if (!box) { return; }
    var item = document.createElement("li");
    item.className = level === "error" ? "error" : "success";
    item.textContent = text;
    box.replaceChildren(item);
  }

  // The server's HX-Trigger-After-Settle: {"desk-message": {"text", "level", "post"}}.
  document.addEventListener("desk-message", function (event) {
    var detail = event.detail || {};
    say(detail.text, detail.level);
    var chip = document.querySelector('#calendar [data-post="' + detail.post + '"]');
    if (!chip) { return; }
    // Focus goes back to the post (the swap replaced what had it): on a refusal, to its
    // date field so the person can choose again.
    var details = chip.querySelector("details");
    if (detail.level === "error" && details) {
      details.open = true;
      details.querySelector("input[name=date]").focus();
    } else {
      chip.querySelector("a").focus();
    }
  });

  document.addEventListener("dragstart", function (event) {
    var chip = event.target.closest && event.target.closest("[data-post]");
    if (chip) { event.dataTransfer.setData("text/plain", chip.dataset.post); }
  });
  document.addEventListener("dragover", function (event) {
    if (event.target.closest && event.target.closest("[data-day]")) { event.preventDefault(); }
  });
  document.addEventListener("drop", function (event) {
    var cell = event.target.closest && event.target.closest("[data-day]");
    var post = event.dataTransfer.getData("text/plain");
    if (!cell || !post) { return; }
    event.preventDefault();
    htmx.ajax("POST", "/publishing/posts/" + post + "/move/" + window.location.search,
              {target: "#calendar", swap: "outerHTML", values: {date: cell.dataset.day}});
  });
})();
