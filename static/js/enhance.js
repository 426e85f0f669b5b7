// Progressive enhancement for forms marked `data-enhance="id id ..."` (enrol, mark
// complete): the form is posted with fetch, and the listed regions of this page (and the
// messages, announced through their live region) are replaced by those of the page the
// server answers with, so the learner stays where they are. Without JavaScript, or when
// anything unexpected happens, the form posts as usual.
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
