// "Use this category": put the suggested category into the form's select.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-use-category]");
  if (!button) return;
  var select = document.getElementById(button.getAttribute("data-target"));
  if (!select) return;
  select.value = button.getAttribute("data-use-category");
  select.dispatchEvent(new Event("change", { bubbles: true }));
  button.hidden = true;
  select.focus();
});
