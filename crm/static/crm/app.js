// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  function enhance(root) {
    // Selects that submit their form on change (the company switcher); the button stays for no-JS.
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      var fallback = select.form && select.form.querySelector("[data-autosubmit-fallback]");
      if (fallback) fallback.classList.add("visually-hidden");
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // Forms and buttons that ask before doing something destructive.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    // On phones the main navigation is one scrolling row: bring the current section into view.
    var nav = document.querySelector(".nav");
    var current = nav && nav.querySelector("[aria-current]");
    if (current && nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
