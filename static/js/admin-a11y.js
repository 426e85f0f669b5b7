/* The admin's autocomplete boxes (select2) add a search field with no name for screen
   readers: give it the name of the field it searches. */
(function () {
  "use strict";
  function name(search) {
    if (search.getAttribute("aria-label")) return;
    const container = search.closest(".select2-container");
    const select = container && container.previousElementSibling;
    const label = select && select.id && document.querySelector('label[for="' + select.id + '"]');
    search.setAttribute("aria-label", label ? label.textContent.trim() : "Search");
  }
  function scan() {
    document.querySelectorAll(".select2-search__field").forEach(name);
  }
  document.addEventListener("DOMContentLoaded", function () {
    scan();
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  });
})();
