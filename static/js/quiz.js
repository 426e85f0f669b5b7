// Progressive enhancement for the attempt form. Without JavaScript the form posts as usual
// (Save, Submit); with it:
// - a countdown, announced politely at 5 minutes, 1 minute and 10 seconds, urgent in the
//   last minute, and a "time is up" state that submits what was saved;
// - autosave through the API while typing (debounced) and on every change; a save that
//   arrives after the attempt was submitted is answered quietly, and one refused because
//   the server's time ran out first leads to the "time is up" state;
// - a question navigator (answered, not answered, flagged for review; "3 of 5 answered"),
//   flags kept in this browser for the attempt;
// - before submitting with questions left blank, "you left 2 unanswered: submit anyway?".
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".quiz-form");
    if (!form) { return; }
    var closed = false;  // submitted or out of time: nothing more is saved from here
    var submitting = false;

    // --- the countdown -------------------------------------------------------------------
    var countdown = document.querySelector(".countdown");
    var submitNow = function () {
      if (submitting) { return; }
      submitting = true; closed = true;
      var action = document.createElement("input");
      action.type = "hidden"; action.name = "action"; action.value = "submit";
      form.appendChild(action);
      HTMLFormElement.prototype.submit.call(form);
    };
    var timesUp = function () {  // out of time: say so, and submit what the server saved
      if (countdown) {
        countdown.classList.add("countdown-over");
        countdown.textContent = countdown.dataset.timesUp || "";
        countdown.setAttribute("role", "alert");
      }
      form.classList.add("is-closed");  // not disabled: disabled fields would not be sent
      submitNow();
    };
    if (countdown) {
      var deadline = Date.now() + 1000 * parseInt(countdown.dataset.secondsLeft || "0", 10);
      var value = countdown.querySelector(".countdown-value");
      var announcer = document.getElementById("countdown-announcer");
      var announced = {};
      var tick = function () {
        var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
        var minutes = Math.floor(left / 60), seconds = left % 60;
        value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
        countdown.classList.toggle("countdown-urgent", left <= 60);
        [300, 60, 10].forEach(function (mark) {
          if (left <= mark && left > 0 && !announced[mark] && announcer) {
            announced[mark] = true;
            var key = mark === 300 ? "leftFiveMinutes" : mark === 60 ? "leftOneMinute" : "leftTenSeconds";
            announcer.textContent = countdown.dataset[key] || "";
          }
        });
        if (left === 0) { timesUp(); return; }
        window.setTimeout(tick, 1000);
      };
      tick();
    }

    // --- reading the answers -------------------------------------------------------------
    var fieldsets = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question]"));
    var collect = function (fieldset) {
      var id = fieldset.dataset.question, kind = fieldset.dataset.kind;
      var inputs = fieldset.querySelectorAll("input:not(.flag-input)");
      if (kind === "multiple") {
        var picked = [];
        inputs.forEach(function (i) { if (i.checked) { picked.push(parseInt(i.value, 10)); } });
        return [id, { choices: picked }];
      }
      if (kind === "single" || kind === "true_false") {
        var checked = fieldset.querySelector("input:checked:not(.flag-input)");
        if (!checked) { return null; }
        return [id, kind === "single" ? { choice: parseInt(checked.value, 10) } : { value: checked.value === "true" }];
      }
      var text = inputs[0].value;
      if (kind === "numeric") { return text.trim() === "" ? null : [id, { value: text.replace(",", ".") }]; }
      return [id, { text: text }];
    };
    var isAnswered = function (fieldset) {
      var entry = collect(fieldset);
      if (!entry) { return false; }
      var answer = entry[1];
      if (answer.choices) { return answer.choices.length > 0; }
      if (typeof answer.text === "string") { return answer.text.trim() !== ""; }
      return true;
    };

    // --- the navigator -------------------------------------------------------------------
    var nav = document.querySelector(".quiz-nav");
    var flagsKey = "lms-flags-" + form.dataset.attempt;
    var flags = {};
    try { flags = JSON.parse(window.localStorage.getItem(flagsKey) || "{}"); } catch (e) { flags = {}; }
    var unanswered = function () { return fieldsets.filter(function (f) { return !isAnswered(f); }); };
    var refreshNav = function () {
      if (!nav) { return; }
      var blank = unanswered().length, total = fieldsets.length;
      nav.querySelector(".quiz-nav-count").textContent = (nav.dataset.countText || "")
        .replace("%(answered)s", String(total - blank)).replace("%(total)s", String(total));
      fieldsets.forEach(function (fieldset) {
        var link = nav.querySelector('[data-nav-for="' + fieldset.dataset.question + '"]');
        if (!link) { return; }
        var answered = isAnswered(fieldset), flagged = !!flags[fieldset.dataset.question];
        link.classList.toggle("answered", answered);
        link.classList.toggle("flagged", flagged);
        var words = [answered ? nav.dataset.answeredText : nav.dataset.unansweredText];
        if (flagged) { words.push(nav.dataset.flaggedText); }
        link.querySelector(".nav-state").textContent = " (" + words.join(", ") + ")";
      });
    };
    fieldsets.forEach(function (fieldset) {
      var flag = fieldset.querySelector(".flag-input");
      if (!flag) { return; }
      flag.closest(".flag").hidden = false;
      flag.checked = !!flags[fieldset.dataset.question];
      fieldset.classList.toggle("flagged", flag.checked);
      flag.addEventListener("change", function () {
        if (flag.checked) { flags[fieldset.dataset.question] = true; } else { delete flags[fieldset.dataset.question]; }
        fieldset.classList.toggle("flagged", flag.checked);
        try { window.localStorage.setItem(flagsKey, JSON.stringify(flags)); } catch (e) { /* private mode */ }
        refreshNav();
      });
    });
    refreshNav();

    // --- autosave ------------------------------------------------------------------------
    var status = form.querySelector(".autosave-status");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var timer = null, pending = {};  // answers changed within the delay are sent together
    var send = function () {
      window.clearTimeout(timer);
      var answers = pending; pending = {};
      if (closed || !Object.keys(answers).length || !window.fetch) { return; }
      fetch(form.dataset.autosaveUrl, {
        method: "PATCH", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ answers: answers })
      }).then(function (response) {
        if (response.status === 409) {
          return response.json().then(function (body) {
            var code = body && body.code;
            if (code === "attempt_submitted") {  // submitted already (another tab): nothing to save
              closed = true; status.textContent = "";
            } else if (code === "deadline_passed") {  // the server's clock ran out first
              closed = true; status.textContent = ""; timesUp();
            } else { status.textContent = form.dataset.notSavedText; }
          });
        }
        status.textContent = response.ok ? form.dataset.savedText : form.dataset.notSavedText;
      }).catch(function () { if (!closed) { status.textContent = form.dataset.notSavedText; } });
    };
    var changed = function (event, delay) {
      if (event.target.classList.contains("flag-input")) { return; }
      var fieldset = event.target.closest("fieldset[data-question]");
      if (!fieldset) { return; }
      refreshNav();
      var entry = collect(fieldset);
      if (!entry || closed) { return; }
      pending[entry[0]] = entry[1];
      window.clearTimeout(timer);
      timer = window.setTimeout(send, delay);
    };
    form.addEventListener("change", function (event) { changed(event, 300); });
    form.addEventListener("input", function (event) {
      if (event.target.type === "text") { changed(event, 800); }  // while typing
    });
    window.addEventListener("pagehide", send);  // leaving: send what is pending now

    // --- submitting ----------------------------------------------------------------------
    var dialog = document.querySelector(".confirm-submit");
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var isSubmit = submitter && submitter.value === "submit";
      var blank = unanswered().length;
      if (isSubmit && blank > 0 && dialog && dialog.showModal && !form.dataset.confirmed) {
        event.preventDefault();
        var heading = dialog.querySelector("#confirm-heading");
        heading.textContent = (heading.dataset.text || "").replace("%(n)s", String(blank));
        dialog.showModal();
        return;
      }
      // The form carries every answer: what autosave has not sent yet goes with it.
      window.clearTimeout(timer); pending = {};
      if (isSubmit) { closed = true; }
    });
    if (dialog) {
      dialog.addEventListener("click", function (event) {
        var choice = event.target.dataset && event.target.dataset.confirm;
        if (choice === "back") {
          dialog.close();
          var first = unanswered()[0];
          if (first) { first.scrollIntoView({ block: "start" }); var input = first.querySelector("input:not(.flag-input)"); if (input) { input.focus(); } }
        } else if (choice === "submit") {
          dialog.close();
          form.dataset.confirmed = "1";
          submitNow();
        }
      });
    }
  });
})();
