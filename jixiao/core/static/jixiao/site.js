// Behaviour of every page, kept out of the HTML so that the Content-Security-Policy can
// forbid inline script. Each part does nothing on pages without its elements.
document.addEventListener("DOMContentLoaded", function () {
  // The language menu switches as soon as a language is chosen (the button is for no-script).
  document.querySelectorAll("form.lang select[name=language]").forEach(function (menu) {
    menu.addEventListener("change", function () { menu.form.submit(); });
  });
  // A counted text area shows its length against its bounds (data-min, data-max), counting
  // characters as a Chinese word count does: whitespace not counted.
  document.querySelectorAll("textarea[data-count-into]").forEach(function (area) {
    var out = document.getElementById(area.dataset.countInto);
    var range = " / " + area.dataset.min + "–" + area.dataset.max;
    function count() { out.textContent = area.value.replace(/\s+/g, "").length + range; }
    area.addEventListener("input", count);
    count();
  });
});

// A form that does what cannot be undone names it in data-confirm and asks before it is sent
// (a button may carry its own data-confirm). Delegated, so forms loaded by htmx ask too.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var text = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (text && !window.confirm(text)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// A print button prints the page (its print styles lay it out for paper).
document.addEventListener("click", function (event) {
  if (event.target.closest("button.print-page")) { window.print(); }
});
