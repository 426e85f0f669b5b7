// Progressive enhancement for the attempt form: a countdown announced politely, and
// autosave through the API. Without JavaScript the form posts as usual.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".quiz-form");
    var countdown = document.querySelector(".countdown");
    if (countdown) {
      var deadline = Date.now() + 1000 * parseInt(countdown.dataset.secondsLeft || "0", 10);
      var value = countdown.querySelector(".countdown-value");
      var announcer = document.getElementById("countdown-announcer");
      var announced = {};
      var tick = function () {
        var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
        var minutes = Math.floor(left / 60), seconds = left % 60;
        value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
        [300, 60, 10].forEach(function (mark) {
          if (left <= mark && !announced[mark] && announcer) {
            announced[mark] = true;
            // The translated sentences come from the page's data-left-* attributes.
            var key = mark === 300 ? "leftFiveMinutes" : mark === 60 ? "leftOneMinute" : "leftTenSeconds";
            announcer.textContent = countdown.dataset[key] || "";
          }
        });
        if (left === 0 && form && !form.dataset.submitted) {
          form.dataset.submitted = "1";
          var action = document.createElement("input");
          action.type = "hidden"; action.name = "action"; action.value = "submit";
          form.appendChild(action);
          form.submit();
          return;
        }
        window.setTimeout(tick, 1000);
      };
      tick();
    }
    if (!form || !window.fetch) { return; }
    var status = form.querySelector(".autosave-status");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var collect = function (fieldset) {
      var id = fieldset.dataset.question, kind = fieldset.dataset.kind;
      var inputs = fieldset.querySelectorAll("input");
      if (kind === "multiple") {
        var picked = [];
        inputs.forEach(function (i) { if (i.checked) { picked.push(parseInt(i.value, 10)); } });
        return [id, { choices: picked }];
      }
      if (kind === "single" || kind === "true_false") {
        var checked = fieldset.querySelector("input:checked");
        if (!checked) { return null; }
        return [id, kind === "single" ? { choice: parseInt(checked.value, 10) } : { value: checked.value === "true" }];
      }
      var text = inputs[0].value;
      if (kind === "numeric") { return text.trim() === "" ? null : [id, { value: text.replace(",", ".") }]; }
      return [id, { text: text }];
    };
    // Answers changed within the debounce delay are sent together: none is dropped.
    var timer = null, pending = {};
    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest("fieldset[data-question]");
      if (!fieldset) { return; }
      var entry = collect(fieldset);
      if (!entry) { return; }
      pending[entry[0]] = entry[1];
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var answers = pending; pending = {};
        fetch(form.dataset.autosaveUrl, {
          method: "PATCH", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token },
          body: JSON.stringify({ answers: answers })
        }).then(function (response) {
          status.textContent = response.ok ? form.dataset.savedText : form.dataset.notSavedText;
        }).catch(function () { status.textContent = form.dataset.notSavedText; });
      }, 300);
    });
  });
})();
