/* The grader's keys: n and p open the next and previous ungraded work (not while typing);
   Ctrl+Enter saves and opens the next. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var next = document.querySelector(".grader-form button[name=_next]");
      if (next) { event.preventDefault(); next.click(); }
      return;
    }
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    var link = document.querySelector('.grader a[data-key="' + event.key + '"]');
    if (link) { event.preventDefault(); window.location.href = link.href; }
  });
  // A rubric: the levels picked add up to the score shown (the server counts it again).
  var total = document.querySelector("[data-rubric-total]");
  if (total) {
    var points = JSON.parse(total.getAttribute("data-rubric-total"));
    var form = total.form;
    var add = function () {
      var sum = 0, all = true;
      points.forEach(function (levels, i) {
        var picked = form.querySelector('input[name="rubric_' + i + '"]:checked');
        if (picked) sum += Number(levels[Number(picked.value)]); else all = false;
      });
      total.value = all ? sum.toFixed(2) : "";
    };
    form.addEventListener("change", add);
    add();
  }
})();
