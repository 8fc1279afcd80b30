/* Service-order pages. No inline script (CSP): behaviour hangs off data-* attributes.
   Without this file every field simply stays visible. */
(function () {
  "use strict";

  // Ask / from-appeal forms: the checklist of documents only matters for errands.
  function fitKind(form) {
    var checked = form.querySelector('input[name$="kind"]:checked');
    var errand = checked && checked.value === "errand";
    form.querySelectorAll("[data-errand-only]").forEach(function (el) { el.hidden = !errand; });
  }
  // Provider form: the shop name only matters for merchants.
  function fitProvider(form) {
    var checked = form.querySelector('input[name="kind"]:checked');
    var merchant = checked && checked.value === "merchant";
    form.querySelectorAll("[data-merchant-only]").forEach(function (el) { el.hidden = !merchant; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-kind-form]").forEach(function (form) {
      fitKind(form);
      form.addEventListener("change", function () { fitKind(form); });
    });
    document.querySelectorAll("form[data-provider-form]").forEach(function (form) {
      fitProvider(form);
      form.addEventListener("change", function () { fitProvider(form); });
    });
  });
})();
