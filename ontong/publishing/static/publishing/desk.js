// The publishing calendar: drag a post to another day, or use the "날짜 옮기기" form beside it
// (keyboard and touch), or "달력에서 고르기" then arrow keys and Enter on the day grid; either way
// the server answers with the calendar and a message. A click on an empty part of a day from
// today on opens a new post on that day.
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

  function move(post, day) {
    htmx.ajax("POST", "/publishing/posts/" + post + "/move/" + window.location.search,
              {target: "#calendar", swap: "outerHTML", values: {date: day}});
  }

  // ---------------------------------------------------------------- the day grid by keyboard
  // One day is in the tab order (today, else the first day); arrows move across days (a week
  // up or down), Enter opens a new post on that day — or, while picking, moves the post there.
  var picking = null;  // {post, title}

  function days() { return Array.prototype.slice.call(document.querySelectorAll("#calendar td[data-day]")); }

  function rove(cell) {
    days().forEach(function (td) { td.tabIndex = td === cell ? 0 : -1; });
    cell.focus();
  }

  function settleTabStop() {
    var all = days();
    if (!all.length || all.some(function (td) { return td.tabIndex === 0; })) { return; }
    (document.querySelector("#calendar td.today") || all[0]).tabIndex = 0;
  }

  document.addEventListener("keydown", function (event) {
    var cell = event.target.closest && event.target.closest("#calendar td[data-day]");
    if (!cell || event.target !== cell) { return; }
    var steps = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7};
    if (event.key in steps) {
      event.preventDefault();
      var all = days();
      var next = all[all.indexOf(cell) + steps[event.key]];
      if (next) { rove(next); } else { say("이 기간의 끝입니다. ◀ ▶로 기간을 바꾸세요.", "error"); }
      return;
    }
    if (event.key === "Escape" && picking) {
      event.preventDefault();
      var chip = document.querySelector('#calendar [data-post="' + picking.post + '"] a');
      say("'" + picking.title + "' 옮기기를 취소했습니다.", "success");
      picking = null;
      if (chip) { chip.focus(); }
      return;
    }
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      if (picking) {
        var post = picking.post;
        picking = null;
        move(post, cell.dataset.day);
      } else {
        var link = cell.querySelector("a.new-on-day");
        if (link) { window.location.href = link.href; }
        else { say("지난 날에는 새 게시물을 쓸 수 없습니다.", "error"); }
      }
    }
  });

  document.addEventListener("click", function (event) {
    var pick = event.target.closest && event.target.closest("[data-pick]");
    if (pick) {
      var chip = pick.closest("[data-post]");
      picking = {post: pick.dataset.pick, title: chip.querySelector("a").textContent.trim()};
      say("'" + picking.title + "' 옮기기: 화살표로 날짜를 고르고 Enter를 누르거나, 옮길 날을 누르세요. 취소는 Esc.", "success");
      rove(chip.closest("td"));
      return;
    }
    var cell = event.target.closest && event.target.closest("#calendar td[data-day]");
    if (cell && picking && !event.target.closest("a, button, input, summary")) {
      // Picking by touch (or mouse): the day tapped is where the post goes.
      var post = picking.post;
      picking = null;
      move(post, cell.dataset.day);
      return;
    }
    // A click (or tap) on an empty part of a day from today on: a new post on that day.
    if (!cell || event.target.closest("a, button, details, form, [data-post]")) { return; }
    var link = cell.querySelector("a.new-on-day");
    if (link) { window.location.href = link.href; }
  });

  document.addEventListener("htmx:afterSettle", settleTabStop);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", settleTabStop);
  } else {
    settleTabStop();
  }

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
    move(post, cell.dataset.day);
  });
})();
