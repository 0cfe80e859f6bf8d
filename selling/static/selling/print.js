// The print view's "Print" button; without JavaScript the hint to use the browser's own command
// stays instead.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-print]");
    if (!button || typeof window.print !== "function") return;
    var hint = document.querySelector("[data-print-hint]");
    if (hint) hint.hidden = true;
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
