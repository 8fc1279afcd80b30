/* Linli page behaviour. No inline script anywhere (CSP): everything hangs
   off data-* attributes. */
(function () {
  "use strict";

  // Forms marked data-submit-once cannot be sent twice by a double tap.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once")) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.setAttribute("aria-disabled", "true"); b.classList.add("is-busy"); });
  });
  // Coming back to the page (browser back button) makes it usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.removeAttribute("aria-disabled"); b.classList.remove("is-busy"); });
    });
  });

  // Collapse the workbench filters on small screens; keep them open on wide ones.
  function fitFilters() {
    var panel = document.querySelector("details.filters");
    if (panel && window.matchMedia("(max-width: 640px)").matches && !panel.dataset.touched) {
      panel.open = false;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    fitFilters();
    var panel = document.querySelector("details.filters");
    if (panel) {
      panel.addEventListener("toggle", function () { panel.dataset.touched = "1"; });
    }
  });

  // After an htmx error fragment arrives, bring it into view.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.classList && target.classList.contains("action__error") && target.firstElementChild) {
      target.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });
})();
