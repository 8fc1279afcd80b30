/* Import page: the template link and the file picker follow the chosen kind,
   and a file of the wrong type or size is caught before it is uploaded. */
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) return;
  var link = form.querySelector("[data-template-link]");
  var input = form.querySelector('input[type="file"]');
  var hint = form.querySelector("[data-file-hint]");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;

  function chosen() { return form.querySelector('input[name="kind"]:checked'); }

  function follow() {
    var kind = chosen();
    if (!kind) return;
    if (link) link.setAttribute("href", kind.getAttribute("data-template"));
    if (input) input.setAttribute("accept", kind.getAttribute("data-accept"));
    check();
  }

  function check() {
    var kind = chosen();
    if (!input || !input.files || !input.files.length || !kind) { input && input.setCustomValidity(""); return; }
    var file = input.files[0];
    var name = file.name.toLowerCase();
    var types = kind.getAttribute("data-accept").split(",");
    var okType = types.some(function (t) { return name.slice(-t.length) === t; });
    var message = "";
    if (!okType) message = (form.getAttribute("data-msg-type") || "") + " " + types.join(" / ");
    else if (maxBytes && file.size > maxBytes) message = form.getAttribute("data-msg-size") || "";
    else if (file.size === 0) message = form.getAttribute("data-msg-empty") || "";
    input.setCustomValidity(message.trim());
    if (hint && message) hint.textContent = message.trim();
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "kind") follow();
    if (event.target === input) check();
  });
  follow();
})();
