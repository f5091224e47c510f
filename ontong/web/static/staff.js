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

  // The 배정 picker (web/_department_picker.html): a combobox over a grouped listbox, filtered
  // on the server through htmx; without this script the plain <select> is the form's field.
  function pickerParts(element) {
    var picker = element.closest("[data-picker]");
    if (!picker) return null;
    return {picker: picker, select: picker.querySelector("select[name=department]"),
      input: picker.querySelector("[role=combobox]"), list: picker.querySelector("[role=listbox]")};
  }

  function options(parts) {
    return Array.prototype.slice.call(parts.list.querySelectorAll("[role=option]"));
  }

  function activate(parts, option) {
    options(parts).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      parts.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({block: "nearest"});
    } else {
      parts.input.removeAttribute("aria-activedescendant");
    }
  }

  function expand(parts, open) {
    parts.list.hidden = !open;
    parts.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) activate(parts, null);
  }

  function openList(parts) {
    if (!parts.list.hidden) return;
    expand(parts, true);
    var chosen = options(parts).filter(function (o) { return o.dataset.value === parts.select.value; });
    activate(parts, chosen[0] || options(parts)[0]);
  }

  function move(parts, step) {
    var all = options(parts);
    if (!all.length) return;
    var at = all.indexOf(parts.list.querySelector("[aria-selected=true]"));
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    activate(parts, all[next]);
  }

  function choose(parts, option) {
    parts.select.value = option.dataset.value;
    parts.input.value = option.dataset.name;
    parts.input.setCustomValidity("");
    expand(parts, false);
  }

  function showChosen(parts) {
    var option = parts.select.options[parts.select.selectedIndex];
    parts.input.value = option && option.value ? option.textContent : "";
    parts.input.setCustomValidity("");
  }

  function setUpPickers() {
    document.querySelectorAll("[data-picker]").forEach(function (picker) {
      var parts = pickerParts(picker);
      picker.querySelector(".picker-fallback").hidden = true;
      parts.select.required = false; // checked on submit, against the combobox
      picker.querySelector(".picker-box").hidden = false;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (!event.target.matches("[data-picker] [role=combobox]")) return;
    // While a Hangul syllable is being composed, Enter and the arrows belong to the input method.
    if (event.isComposing || event.keyCode === 229) return;
    var parts = pickerParts(event.target);
    var open = !parts.list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open || event.altKey) openList(parts);
      else move(parts, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && open) {
      var active = parts.list.querySelector("[aria-selected=true]");
      if (active) {
        event.preventDefault(); // choosing is not yet submitting
        choose(parts, active);
      }
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      expand(parts, false);
    }
  });

  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-picker] [role=combobox]")) return;
    var parts = pickerParts(event.target);
    parts.select.value = ""; // what is typed is a search until an option is chosen
    parts.input.setCustomValidity("");
    var note = parts.picker.querySelector(".picker-preselected");
    if (note) note.hidden = true; // the suggestion is no longer what is chosen
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.target.matches("[data-picker] [role=listbox]")) return;
    var parts = pickerParts(event.target);
    if (document.activeElement !== parts.input) return;
    expand(parts, true);
    activate(parts, options(parts)[0] || null);
  });

  document.addEventListener("focusout", function (event) {
    if (event.target.matches("[data-picker] [role=combobox]")) expand(pickerParts(event.target), false);
  });

  document.addEventListener("mousedown", function (event) {
    if (event.target.closest("[data-picker] [role=listbox]")) event.preventDefault(); // keep focus
  });

  document.addEventListener("submit", function (event) {
    var parts = pickerParts(event.target.querySelector("[data-picker]") || event.target);
    if (!parts || parts.picker.querySelector(".picker-box").hidden || parts.select.value) return;
    event.preventDefault();
    parts.input.setCustomValidity(parts.input.dataset.required);
    parts.input.reportValidity();
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-picker] [role=option]");
    if (option) {
      choose(pickerParts(option), option);
      return;
    }
    if (event.target.matches("[data-picker] [role=combobox]")) {
      openList(pickerParts(event.target));
      return;
    }
    var button = event.target.closest("[data-suggest-department]");
    if (button) {
      document.querySelectorAll("select[name=department]").forEach(function (select) {
        select.value = button.getAttribute("data-suggest-department");
        var parts = pickerParts(select);
        if (parts) showChosen(parts);
      });
      openAction("details[data-action=assign],details[data-action=reassign]");
      return;
    }
    if (event.target.closest("[data-show-shortcuts]")) {
      showShortcuts();
      return;
    }
    if (event.target.closest("#use-draft")) {
      var box = openAction("details[data-action=submit]");
      var draft = document.getElementById("draft-text");
      if (box && draft) box.querySelector("textarea[name=answer]").value = draft.content.textContent;
    }
  });


  // Keyboard shortcuts (web/_shortcuts.html lists them; docs/staff-guide.md). Never while the
  // person is typing, composing Hangul, or holding a modifier (browser and screen-reader keys).
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]") !== null;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tbody#rows tr[data-receipt]"));
  }

  function currentRow() {
    return document.querySelector("tbody#rows tr.current") ||
      (document.activeElement && document.activeElement.closest && document.activeElement.closest("tbody#rows tr[data-receipt]"));
  }

  function moveRow(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.indexOf(currentRow());
    var next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), all.length - 1);
    all.forEach(function (row) { row.classList.toggle("current", row === all[next]); });
    var link = all[next].querySelector("a");
    if (link) link.focus(); // focus follows the highlight so a screen reader reads the row
  }

  function openPanel(selector) {
    var box = document.querySelector(selector);
    if (!box) return false;
    box.open = true;
    // The first field a person can see (the picker's plain <select> is hidden behind its combobox).
    var field = Array.prototype.slice.call(box.querySelectorAll("[role=combobox], textarea, input:not([type=hidden]), select"))
      .filter(function (each) { return each.offsetParent !== null; })[0];
    box.scrollIntoView({block: "nearest"});
    (field || box.querySelector("summary")).focus();
    return true;
  }

  function showShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }

  function countSelected() {
    var out = document.getElementById("bulk-count");
    if (!out) return;
    var n = document.querySelectorAll("input[name=selected][form=bulk-form]:checked").length;
    out.textContent = n ? (out.dataset.template || "({n}건 고름)").replace("{n}", n) : "";
    var all = document.getElementById("select-all");
    var boxes = document.querySelectorAll("input[name=selected][form=bulk-form]").length;
    if (all) all.checked = boxes > 0 && n === boxes; // a new, unticked row is not "all"
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.isComposing || event.keyCode === 229 || typing(event.target)) return;
    if (!document.getElementById("shortcuts")) return; // pages without shortcuts
    if (document.querySelector("dialog[open]")) return; // the dialog's own keys (Esc closes)
    var onList = document.getElementById("rows") !== null;
    var key = event.key;
    var handled = true;
    if (key === "?") {
      showShortcuts();
    } else if (onList && (key === "j" || key === "k")) {
      moveRow(key === "j" ? 1 : -1);
    } else if (onList && (key === "o" || (key === "Enter" && event.target.closest("tbody#rows tr")))) {
      var row = currentRow();
      var link = row && row.querySelector("a");
      if (link) link.click(); else handled = false;
    } else if (onList && key === "x") {
      var picked = currentRow();
      var box = picked && picked.querySelector("input[name=selected]");
      if (box) { box.checked = !box.checked; countSelected(); } else handled = false;
    } else if (onList && key === "a") {
      var chosen = currentRow();
      var target = chosen && chosen.querySelector("a");
      if (target) window.location.href = target.href + (target.href.indexOf("?") < 0 ? "?" : "&") + "panel=assign";
      else handled = false;
    } else if (!onList && (key === "j" || key === "k")) {
      var go = document.querySelector(key === "j" ? "[data-testid=next-case]" : "[data-testid=previous-case]");
      if (go) go.click(); else handled = false;
    } else if (!onList && key === "a") {
      handled = openPanel("details[data-action=assign], details[data-action=reassign]");
    } else if (!onList && key === "r") {
      handled = openPanel("details[data-action=reply]");
    } else if (!onList && key === "n") {
      handled = openPanel("details[data-action=note]");
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all") {
      document.querySelectorAll("input[name=selected][form=bulk-form]").forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (event.target.matches("#select-all, input[name=selected][form=bulk-form]")) countSelected();
    if (event.target.id === "bulk-action") showBulkFields();
  });

  function showBulkFields() {
    var action = document.getElementById("bulk-action");
    var department = document.getElementById("bulk-department");
    if (!action || !department) return;
    var label = department.closest("label");
    label.hidden = action.value !== "assign";
    department.required = action.value === "assign";
  }

  function openRequestedPanel() {
    // ?panel=assign from the list's "a": the complaint page opens with that panel ready.
    var wanted = new URLSearchParams(window.location.search).get("panel");
    if (wanted === "assign") openPanel("details[data-action=assign], details[data-action=reassign]");
  }

  // 상용구 (web/_saved_reply_dialog.html): Ctrl+K in a reply box, or "/" at the start of an
  // empty line, opens a filterable list of the saved replies, already filled in for this case on
  // the server; ↑↓ choose, Enter inserts at the caret, Esc closes and focus goes back.
  var savedReplies = {box: null, start: 0, end: 0, timer: null};

  function replyParts() {
    var dialog = document.getElementById("saved-replies");
    if (!dialog) return null;
    return {dialog: dialog, input: dialog.querySelector("[role=combobox]"),
      list: dialog.querySelector("[role=listbox]"), status: dialog.querySelector("[role=status]")};
  }

  function replyOptions(parts) {
    return Array.prototype.slice.call(parts.list.querySelectorAll("[role=option]"));
  }

  function markReply(parts, option) {
    replyOptions(parts).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      parts.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({block: "nearest"});
    } else {
      parts.input.removeAttribute("aria-activedescendant");
    }
  }

  function loadReplies(parts) {
    var url = savedReplies.box.getAttribute("data-saved-replies");
    fetch(url + "?q=" + encodeURIComponent(parts.input.value), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        parts.list.innerHTML = html;
        var count = parts.list.querySelector("#saved-reply-count");
        parts.status.textContent = count ? count.content.textContent : "";
        if (count) count.remove();
        markReply(parts, replyOptions(parts)[0] || null);
      });
  }

  function openReplies(box) {
    var parts = replyParts();
    if (!parts) return;
    savedReplies.box = box;
    savedReplies.start = box.selectionStart;
    savedReplies.end = box.selectionEnd;
    parts.input.value = "";
    parts.list.innerHTML = "";
    if (!parts.dialog.open) parts.dialog.showModal();
    parts.input.focus();
    loadReplies(parts);
  }

  function insertReply(parts, option) {
    var box = savedReplies.box;
    var text = option.getAttribute("data-text");
    box.value = box.value.slice(0, savedReplies.start) + text + box.value.slice(savedReplies.end);
    parts.dialog.close();
    box.focus();
    var caret = savedReplies.start + text.length;
    box.setSelectionRange(caret, caret);
  }

  function startOfLine(box) {
    var at = box.selectionStart;
    return at === box.selectionEnd && (at === 0 || box.value.charAt(at - 1) === "\n") &&
      (at === box.value.length || box.value.charAt(at) === "\n");
  }

  document.addEventListener("keydown", function (event) {
    var box = event.target.closest && event.target.closest("textarea[data-saved-replies]");
    if (box && !event.isComposing) {
      var ctrlK = (event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K");
      if (ctrlK || (event.key === "/" && !event.ctrlKey && !event.altKey && startOfLine(box))) {
        event.preventDefault();
        openReplies(box);
      }
      return;
    }
    var parts = replyParts();
    if (!parts || event.target !== parts.input || event.isComposing || event.keyCode === 229) return;
    var all = replyOptions(parts);
    var at = all.indexOf(parts.list.querySelector("[aria-selected=true]"));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!all.length) return;
      var next = event.key === "ArrowDown" ? Math.min(at + 1, all.length - 1) : Math.max(at - 1, 0);
      markReply(parts, all[next]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (at >= 0) insertReply(parts, all[at]);
    }
  });

  document.addEventListener("input", function (event) {
    var parts = replyParts();
    if (!parts || event.target !== parts.input) return;
    clearTimeout(savedReplies.timer);
    savedReplies.timer = setTimeout(function () { loadReplies(parts); }, 150);
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-saved-replies]");
    if (opener) {
      var form = opener.closest("form");
      var box = form && form.querySelector("textarea[data-saved-replies]");
      if (box) openReplies(box);
      return;
    }
    var parts = replyParts();
    if (!parts) return;
    var option = event.target.closest("#saved-reply-list [role=option]");
    if (option) insertReply(parts, option);
    else if (event.target.closest("[data-close-saved-replies]")) parts.dialog.close();
  });

  document.addEventListener("close", function (event) {
    if (event.target.id === "saved-replies" && savedReplies.box && document.activeElement !== savedReplies.box) {
      savedReplies.box.focus();
    }
  }, true);

  // A row the poll redraws (its case changed) keeps what the person did to it: the tick, the
  // j/k highlight and the focus. Without this a ticked case silently dropped out of a bulk action.
  var refocus = null;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var old = event.detail.target;
    var fragment = event.detail.fragment;
    if (!old || !old.matches || !old.matches("tbody#rows tr[data-receipt]") || !fragment) return;
    var row = fragment.querySelector("tr[data-receipt]");
    if (!row) return;
    var box = old.querySelector("input[name=selected]");
    var newBox = row.querySelector("input[name=selected]");
    if (box && newBox && box.checked) newBox.setAttribute("checked", "");
    if (old.classList.contains("current")) row.classList.add("current");
    var focused = document.activeElement;
    if (focused && old.contains(focused)) {
      refocus = { id: old.id, selector: focused.matches("input[name=selected]") ? "input[name=selected]" : "a" };
    }
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    countSelected();
    if (!refocus) return;
    var row = document.getElementById(refocus.id);
    var target = row && row.querySelector(refocus.selector);
    refocus = null;
    if (target) target.focus({ preventScroll: true });
  });

  // The inbox poll (docs/decisions/0004): Django's "nothing new" answer carries a ticket, sent
  // back with the next poll so that it can be answered before Django; a page that changed (200)
  // polls without one until Django vouches for it again. A fast answer keeps the ticket it held.
  var pollTicket = null;
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id === "poll" && pollTicket) {
      event.detail.headers["Ontong-Poll-Ticket"] = pollTicket;
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt.id !== "poll") return;
    var xhr = event.detail.xhr;
    if (xhr.responseURL && new URL(xhr.responseURL).pathname !== window.location.pathname) {
      // Sent to the login page (signed out, or the session ended): the list would look live
      // while it no longer changes. Say so and stop asking.
      var status = document.getElementById("poll-status");
      if (status) {
        status.textContent = event.detail.elt.dataset.signedOut;
        status.classList.add("signed-out");
      }
      event.detail.elt.remove();
      return;
    }
    var ticket = xhr.getResponseHeader("Ontong-Poll-Ticket");
    if (ticket) pollTicket = ticket;
    else if (xhr.status !== 204) pollTicket = null;
  });

  function ready() {
    drawCharts();
    setUpPickers();
    showBulkFields();
    openRequestedPanel();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
