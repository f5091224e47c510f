// The post editor: photo order (drag, or the "위로"/"아래로" buttons with a spoken result), alt
// text for each new photo, and live previews with each platform's limits. The numbers and the
// problem sentences are the server's (services.LIMITS and services.limit_problems).
(function () {
  "use strict";

  var form = document.getElementById("post-editor");
  if (!form) { return; }
  var LIMITS = JSON.parse(document.getElementById("desk-limits").textContent);
  var KINDS = JSON.parse(document.getElementById("desk-account-kinds").textContent);
  var list = document.getElementById("photo-list");
  var fresh = document.getElementById("new-photos");
  var status = document.getElementById("photo-status");
  var fileInput = form.querySelector("input[name=images]");
  var template = document.getElementById("new-photo-template");

  function chars(text) { return Array.from(text).length; }  // code points, as Python's len()
  function n(value) { return value.toLocaleString("en-US"); }  // Python's f"{value:,}"

  function say(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  // ---------------------------------------------------------------- photo order

  function kept() {
    return Array.prototype.filter.call(list.children, function (li) {
      return !li.querySelector("input[name=photo_remove]:checked");
    });
  }

  function renumber() {
    var all = Array.prototype.slice.call(list.children).concat(
      Array.prototype.slice.call(fresh.children));
    all.forEach(function (li, index) {
      var label = (index + 1) + "번째 사진";
      li.querySelector(".photo-number").textContent = label;
      li.querySelectorAll("[data-move]").forEach(function (button) {
        button.setAttribute("aria-label", label + " " + button.textContent.trim());
        var edge = button.dataset.move === "up" ? index === 0 : index === list.children.length - 1;
        button.setAttribute("aria-disabled", edge ? "true" : "false");
      });
    });
    update();
  }

  function moved(li) {
    var position = Array.prototype.indexOf.call(list.children, li) + 1;
    renumber();
    say("사진을 " + position + "번째로 옮겼습니다 (전체 " + list.children.length + "장).");
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-move]");
    if (!button) { return; }
    var li = button.closest("li");
    if (button.dataset.move === "up" && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
    } else if (button.dataset.move === "down" && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
    } else {
      say(button.dataset.move === "up" ? "이미 맨 앞 사진입니다." : "이미 맨 뒤 사진입니다.");
      return;
    }
    button.focus();  // the same button, on the photo's new place: press again to keep moving
    moved(li);
  });

  var dragged = null;
  list.addEventListener("dragstart", function (event) {
    dragged = event.target.closest && event.target.closest("li");
    if (dragged) { event.dataTransfer.setData("text/plain", dragged.dataset.photo); }
  });
  list.addEventListener("dragover", function (event) {
    if (dragged) { event.preventDefault(); }
  });
  list.addEventListener("drop", function (event) {
    var target = event.target.closest && event.target.closest("li");
    if (!dragged || !target || target === dragged) { dragged = null; return; }
    event.preventDefault();
    var box = target.getBoundingClientRect();
    list.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? target.nextSibling : target);
    var li = dragged;
    dragged = null;
    moved(li);
  });
  list.addEventListener("change", function () { update(); });

  // New photos: a row each, for its alt text and caption, in the order they were chosen.
  if (fileInput) {
    fileInput.addEventListener("change", function () {
      fresh.replaceChildren();
      Array.prototype.forEach.call(fileInput.files, function (file) {
        var li = template.content.firstElementChild.cloneNode(true);
        li.querySelector("img").src = URL.createObjectURL(file);
        li.querySelector("input[name=new_alt]").setAttribute("aria-describedby", "photos-help");
        li.dataset.file = file.name;
        fresh.appendChild(li);
      });
      renumber();
      if (fileInput.files.length) {
        say("사진 " + fileInput.files.length + "장을 골랐습니다. 장마다 대체 텍스트를 적어 주세요.");
      }
    });
  }

  // ---------------------------------------------------------------- live previews and limits

  function value(name) {
    var field = form.elements[name];
    return field ? field.value : "";
  }

  function hashtags() {
    return value("hashtags").replace(/,/g, " ").split(/\s+/).filter(function (tag) {
      return tag.replace(/^#+|#+$/g, "");
    }).map(function (tag) { return tag.charAt(0) === "#" ? tag : "#" + tag; });
  }

  function caption() {
    var link = value("link").trim();
    if (link && !/^[a-z][a-z0-9+.-]*:\/\//i.test(link)) { link = "https://" + link; }
    var tags = hashtags().join(" ");
    return [value("text").trim(), link, tags].filter(Boolean).join("\n\n");
  }

  function chosen() {
    var accounts = [];
    form.querySelectorAll("input[name=accounts]:checked").forEach(function (box) {
      var account = KINDS[box.value];
      if (account) { accounts.push({kind: account.kind, name: account.name}); }
    });
    return accounts;
  }

  function photos() {
    return kept().concat(Array.prototype.slice.call(fresh.children)).map(function (li) {
      return {src: li.querySelector("img").src, alt: li.querySelector("[data-role=alt]").value};
    });
  }

  // A video after this save: a file chosen now, or the saved one not ticked "동영상 빼기".
  function hasVideo() {
    var chosen = form.querySelector("input[name=video]");
    var remove = form.querySelector("input[name=video_remove]");
    return Boolean((chosen && chosen.files && chosen.files.length) ||
                   (form.dataset.hasVideo === "1" && !(remove && remove.checked)));
  }

  // The same sentences as services.limit_problems and services.missing_alt_text.
  function problems(text, tags, pics, kinds) {
    var found = [];
    var video = hasVideo();
    if (pics.length > LIMITS.photos) {
      found.push("사진은 " + LIMITS.photos + "장까지입니다 (지금 " + pics.length + "장).");
    }
    if (video && pics.length) {
      found.push("동영상과 사진은 한 게시물에 같이 올릴 수 없습니다: 하나를 빼 주세요.");
    }
    if (kinds.indexOf("instagram") >= 0) {
      if (!pics.length && !video) { found.push("인스타그램: 사진이나 동영상(릴스)이 있어야 합니다."); }
      if (chars(text) > LIMITS.instagram_caption) {
        found.push("인스타그램: 캡션이 " + n(chars(text)) + "자입니다 (최대 " +
                   n(LIMITS.instagram_caption) + "자).");
      }
      if (tags > LIMITS.instagram_hashtags) {
        found.push("인스타그램: 해시태그가 " + tags + "개입니다 (최대 " +
                   LIMITS.instagram_hashtags + "개).");
      }
    }
    if (kinds.indexOf("facebook") >= 0 && chars(text) > LIMITS.facebook_text) {
      found.push("페이스북: 글이 " + n(chars(text)) + "자입니다 (최대 " +
                 n(LIMITS.facebook_text) + "자).");
    }
    if (kinds.indexOf("threads") >= 0 && threadsChars(text) > LIMITS.threads_text) {
      found.push("스레드: 글이 " + n(threadsChars(text)) + "자입니다 (최대 " +
                 LIMITS.threads_text + "자, 이모지는 4자로 셈).");
    }
    pics.forEach(function (pic, index) {
      if (!pic.alt.trim()) {
        found.push("사진 " + (index + 1) +
                   ": 대체 텍스트를 적어 주세요 (화면 낭독기 사용자를 위한 사진 설명, 접근성).");
      }
    });
    return found;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function cut(text, after) {
    var points = Array.from(text);
    return points.length > after ? [points.slice(0, after).join("").trimEnd(), true] : [text, false];
  }

  function header(name, sub) {
    var head = el("header");
    var avatar = el("span", "avatar", name.charAt(0));
    avatar.setAttribute("aria-hidden", "true");
    head.appendChild(avatar);
    var who = el("span");
    who.appendChild(el("strong", "", name));
    if (sub) { who.appendChild(document.createElement("br")); who.appendChild(el("small", "muted", sub)); }
    head.appendChild(who);
    return head;
  }

  function textBlock(className, name, text, after) {
    var shown = cut(text, after);
    var p = el("p", className);
    if (name) { p.appendChild(el("strong", "", name)); p.appendChild(document.createTextNode(" ")); }
    p.appendChild(el("span", "pre", shown[0]));
    if (shown[1]) {
      p.appendChild(document.createTextNode("… "));
      var more = el("span", "more", "더 보기");
      more.dataset.testid = "more";
      p.appendChild(more);
    }
    return p;
  }

  function image(pic) {
    var img = el("img");
    img.src = pic.src;
    img.alt = pic.alt;
    return img;
  }

  function facebookCard(name, text, pics) {
    var card = el("article", "fb-card");
    card.setAttribute("aria-label", "페이스북에서 보이는 모습");
    card.appendChild(header(name, (value("planned_at") || "").replace("T", " ") + " · 전체 공개"));
    card.appendChild(textBlock("fb-text", "", text, LIMITS.facebook_more_after));
    if (pics.length) {
      var grid = el("div", "fb-grid n" + Math.min(pics.length, 5));
      grid.dataset.testid = "fb-grid";
      pics.slice(0, 5).forEach(function (pic, index) {
        var cell = el("span", "cell");
        cell.appendChild(image(pic));
        if (index === 4 && pics.length > 5) { cell.appendChild(el("span", "plus", "+" + (pics.length - 5))); }
        grid.appendChild(cell);
      });
      card.appendChild(grid);
    }
    return card;
  }

  function instagramCard(name, text, pics) {
    var card = el("article", "ig-card");
    card.setAttribute("aria-label", "인스타그램에서 보이는 모습");
    card.appendChild(header(name));
    var frame = el("div", "ig-frame square");
    frame.dataset.testid = "ig-frame";
    if (pics.length) {
      var first = image(pics[0]);
      first.addEventListener("load", function () {
        frame.className = "ig-frame " + (first.naturalHeight > first.naturalWidth ? "portrait" : "square");
      });
      frame.appendChild(first);
    } else {
      frame.appendChild(el("span", "muted", "사진 없음"));
    }
    card.appendChild(frame);
    if (pics.length >= LIMITS.carousel_min) {
      frame.appendChild(el("span", "ig-count", "1/" + pics.length));
      var dots = el("div", "ig-dots");
      dots.dataset.testid = "ig-dots";
      dots.setAttribute("role", "img");
      dots.setAttribute("aria-label", "캐러셀 사진 " + pics.length + "장");
      pics.forEach(function (pic, index) { dots.appendChild(el("span", index ? "dot" : "dot on")); });
      card.appendChild(dots);
    }
    card.appendChild(textBlock("ig-caption", name, text, LIMITS.instagram_more_after));
    return card;
  }

  // Threads shows the whole text (500 at most: what goes beyond is marked, as it would be
  // refused) and the photos side by side; the card counts as Threads does.
  function threadsCard(name, text, pics) {
    var card = el("article", "threads-card");
    card.dataset.testid = "threads-card";
    card.setAttribute("aria-label", "스레드에서 보이는 모습");
    card.appendChild(header(name));
    var p = el("p", "pre");
    var used = 0;
    var points = Array.from(text);
    var fits = points.findIndex(function (ch) {
      used += ch.codePointAt(0) > 0xFFFF ? 4 : 1;
      return used > LIMITS.threads_text;
    });
    p.appendChild(document.createTextNode(fits < 0 ? text : points.slice(0, fits).join("")));
    if (fits >= 0) {
      var over = el("mark", "over", points.slice(fits).join(""));
      over.dataset.testid = "threads-over";
      over.title = "스레드 500자를 넘는 부분";
      p.appendChild(over);
    }
    card.appendChild(p);
    if (pics.length) {
      var media = el("div", "threads-media");
      media.dataset.testid = "threads-media";
      media.tabIndex = 0;  // it scrolls sideways: the keyboard must reach it too
      media.setAttribute("role", "group");
      media.setAttribute("aria-label", "사진 " + pics.length + "장");
      pics.forEach(function (pic) { media.appendChild(image(pic)); });
      card.appendChild(media);
    }
    var count = threadsChars(text);
    var foot = el("p", count > LIMITS.threads_text ? "muted over" : "muted",
                  n(count) + "/" + LIMITS.threads_text + "자");
    foot.dataset.testid = "threads-count";
    card.appendChild(foot);
    return card;
  }

  // video.minutes: "30.0초" under a minute, "1분 5초" from one.
  function minutes(seconds) {
    var whole = Math.round(seconds);
    return whole >= 60 ? Math.floor(whole / 60) + "분 " + (whole % 60) + "초" : seconds.toFixed(1) + "초";
  }

  var chosenVideo = null;
  var chosenVideoUrl = "";
  function videoSource() {
    var input = form.querySelector("input[name=video]");
    if (input && input.files && input.files.length) {
      if (chosenVideo !== input.files[0]) {
        if (chosenVideoUrl) { URL.revokeObjectURL(chosenVideoUrl); }
        chosenVideo = input.files[0];
        chosenVideoUrl = URL.createObjectURL(chosenVideo);
      }
      return chosenVideoUrl;
    }
    return form.dataset.videoUrl || "";
  }

  // A Reel as services.preview draws it: a 9:16 frame stopped at the cover, the length, and the
  // caption over the picture cut after a line and a half.
  function reelCard(name, text) {
    var card = el("article", "reel-card");
    card.setAttribute("aria-label", "릴스로 보이는 모습 (세로 9:16)");
    var frame = el("div", "reel-frame");
    frame.dataset.testid = "live-reel";
    var video = el("video");
    video.muted = true;
    video.playsInline = true;
    video.preload = "metadata";
    video.setAttribute("aria-label", "동영상 미리 보기");
    video.src = videoSource() + "#t=" + (parseFloat(value("thumb_offset")) || 0).toFixed(1);
    var length = el("span", "reel-length");
    video.addEventListener("loadedmetadata", function () { length.textContent = minutes(video.duration); });
    frame.appendChild(video);
    frame.appendChild(length);
    frame.appendChild(textBlock("reel-caption", name, text, LIMITS.reel_more_after));
    card.appendChild(frame);
    return card;
  }

  // services.threads_length: an emoji (beyond the Basic Multilingual Plane) counts as 4.
  function threadsChars(text) {
    return Array.from(text).reduce(function (sum, ch) {
      return sum + (ch.codePointAt(0) > 0xFFFF ? 4 : 1);
    }, 0);
  }

  function counter(text, used, limit, unit) {
    var li = el("li", used > limit ? "over" : "", text + " " + n(used) + "/" + n(limit) + unit);
    return li;
  }

  function update() {
    var text = caption();
    var tags = hashtags().length;
    var pics = photos();
    var accounts = chosen();
    var kinds = accounts.map(function (a) { return a.kind; });
    var limits = document.getElementById("limits");
    limits.replaceChildren();
    if (kinds.indexOf("instagram") >= 0) {
      limits.appendChild(counter("인스타그램 캡션", chars(text), LIMITS.instagram_caption, "자"));
      limits.appendChild(counter("해시태그", tags, LIMITS.instagram_hashtags, "개"));
    }
    if (kinds.indexOf("facebook") >= 0) {
      limits.appendChild(counter("페이스북 글", chars(text), LIMITS.facebook_text, "자"));
    }
    if (kinds.indexOf("threads") >= 0) {
      limits.appendChild(counter("스레드 글", threadsChars(text), LIMITS.threads_text, "자"));
    }
    limits.appendChild(counter("사진", pics.length, LIMITS.photos, "장"));
    problems(text, tags, pics, kinds).forEach(function (problem) {
      limits.appendChild(el("li", "problem", problem));
    });
    var fb = document.getElementById("live-facebook");
    var ig = document.getElementById("live-instagram");
    var th = document.getElementById("live-threads");
    fb.replaceChildren();
    ig.replaceChildren();
    th.replaceChildren();
    var reel = hasVideo() && !pics.length;
    accounts.forEach(function (account) {
      if (reel && (account.kind === "instagram" || value("video_format") === "reel")) {
        (account.kind === "instagram" ? ig : fb).appendChild(reelCard(account.name, text));
      }
      else if (account.kind === "instagram") { ig.appendChild(instagramCard(account.name, text, pics)); }
      else if (account.kind === "facebook") { fb.appendChild(facebookCard(account.name, text, pics)); }
      else if (account.kind === "threads") { th.appendChild(threadsCard(account.name, text, pics)); }
    });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  renumber();
})();
