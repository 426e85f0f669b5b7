// Progressive enhancement for forms marked `data-enhance="id id ..."` (enrol, mark
// complete): the form is posted with fetch, and the listed regions of this page (and the
// messages, announced through their live region) are replaced by those of the page the
// server answers with, so the learner stays where they are. Without JavaScript, or when
// anything unexpected happens, the form posts as usual.
// Folded sections marked `data-open-wide` (the lesson page's outline) open on a wide screen.
var openWide = window.openWide = function (root) {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(min-width: 56rem)").matches) { return; }
  root.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
};
document.addEventListener("DOMContentLoaded", function () { openWide(document); });

(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.FormData) { return; }

  var plainSubmit = function (form) { HTMLFormElement.prototype.submit.call(form); };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.enhance) { return; }
    event.preventDefault();
    if (form.dataset.busy) { return; }
    form.dataset.busy = "1";
    var button = form.querySelector("[type=submit]");
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }

    var body = new FormData(form);
    body.delete("next");      // stay on this page rather than move on
    body.set("stay", "1");
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"X-Requested-With": "fetch"}
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      var landed = new URL(response.url);
      if (landed.pathname !== window.location.pathname) {
        window.location.assign(response.url);  // the server sent us elsewhere: follow it
        return;
      }
      return response.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        form.dataset.enhance.split(/\s+/).forEach(function (id) {
          var fresh = page.getElementById(id), current = document.getElementById(id);
          if (fresh && current) { current.replaceWith(document.importNode(fresh, true)); }
        });
        // Fill the existing live region (replacing it would not be announced).
        openWide(document);
        var messages = document.getElementById("messages"), news = page.getElementById("messages");
        if (messages && news) { messages.innerHTML = news.innerHTML; }
        var target = document.getElementById(form.dataset.enhanceFocus || "");
        if (target) { target.focus(); }
      });
    }).catch(function () {
      plainSubmit(form);
    });
  });
})();

// Regions that change by themselves (`data-refresh="seconds"`, e.g. a certificate being
// prepared): the page is fetched again every few seconds and the region replaced by its
// fresh copy, until the fresh copy no longer asks for it (or after 60 tries). Buttons marked
// `data-copy="input-id"` copy that field's value (they stay hidden without JavaScript, where
// the field can be selected and copied by hand).
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) { return; }
  var schedule = function (region, tries) {
    if (tries >= 60) { return; }
    var seconds = parseInt(region.dataset.refresh, 10) || 5;
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.text();
        }).then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
          if (!fresh) { schedule(region, tries + 1); return; }
          var node = document.importNode(fresh, true);
          region.replaceWith(node);
          wireCopyButtons(node);
          if (node.dataset.refresh) { schedule(node, tries + 1); }
        }).catch(function () { schedule(region, tries + 1); });
    }, seconds * 1000);
  };
  var wireCopyButtons = function (root) {
    if (!navigator.clipboard) { return; }
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.dataset.copy);
      if (!field) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          button.textContent = button.dataset.copiedText || button.textContent;
        });
      });
    });
  };
  document.addEventListener("DOMContentLoaded", function () {
    wireCopyButtons(document);
    document.querySelectorAll("[data-refresh][id]").forEach(function (region) { schedule(region, 0); });
  });
})();
