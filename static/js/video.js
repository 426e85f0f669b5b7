// An uploaded lesson video: it starts where the learner stopped, and reports where it is
// while playing (every 10 seconds, on pause, on seeking and at the end) to the API, which
// counts what was watched and completes the lesson at 90 %. Without JavaScript the video
// plays, from the start, and nothing is counted.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var video = document.querySelector("video[data-progress-url]");
    if (!video || !window.fetch) { return; }
    var tokenField = document.querySelector("input[name=csrfmiddlewaretoken]");
    var token = tokenField ? tokenField.value : (document.cookie.match(/csrftoken=([^;]+)/) || [])[1];
    var shown = document.querySelector(".video-watched");
    var resume = parseFloat(video.dataset.resume || "0");
    var completed = false, lastSent = 0, playedTo = resume;
    var queue = Promise.resolve();  // reports go one after another, in order
    var seekToResume = function () {
      if (resume > 0 && resume < video.duration - 2) { video.currentTime = resume; }
    };
    if (video.readyState >= 1) { seekToResume(); } else { video.addEventListener("loadedmetadata", seekToResume); }
    var send = function (at) {
      if (!isFinite(video.duration) || video.duration <= 0) { return; }
      var position = typeof at === "number" ? at : video.currentTime;
      lastSent = Date.now();
      queue = queue.then(function () {
        return fetch(video.dataset.progressUrl, {
          method: "POST", credentials: "same-origin", keepalive: true,
          headers: { "Content-Type": "application/json", "X-CSRFToken": token || "" },
          body: JSON.stringify({ position: position, duration: video.duration })
        });
      }).then(function (response) { return response.ok ? response.json() : null; }).then(function (body) {
        if (!body) { return; }
        if (shown) { shown.textContent = (video.dataset.watchedText || "").replace("%(p)s", String(body.watched_percent)); }
        if (body.lesson_completed && !completed) {
          completed = true;
          // The page's completion and outline say so (enhance.js swaps the same regions).
          fetch(window.location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
            var page = new DOMParser().parseFromString(html, "text/html");
            ["lesson-completion", "lesson-outline"].forEach(function (id) {
              var fresh = page.getElementById(id), current = document.getElementById(id);
              if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
            });
            if (typeof window.openWide === "function") { window.openWide(document); }
          });
        }
      }).catch(function () { queue = Promise.resolve(); /* the next report counts from the last one received */ });
    };
    video.addEventListener("timeupdate", function () {
      if (video.seeking) { return; }
      playedTo = video.currentTime;
      if (!video.paused && Date.now() - lastSent >= 10000) { send(); }
    });
    // Before a jump, what was played up to it; after, where it landed (not counted as watched).
    video.addEventListener("seeking", function () { send(playedTo); });
    ["pause", "ended", "seeked"].forEach(function (name) { video.addEventListener(name, function () { send(); }); });
    video.addEventListener("play", function () { if (Date.now() - lastSent >= 10000) { send(); } });
    window.addEventListener("pagehide", function () { if (!video.paused) { send(); } });
  });
})();
