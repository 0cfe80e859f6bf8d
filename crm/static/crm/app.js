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

// --- bulk actions (crm/bulk.py) ------------------------------------------------------------
// The list's bulk form works without this: every extra field shows, and "select all on this
// page" is sent as such. Here: ticking the header box ticks the rows, the bar counts the ticked
// rows, and only the extra field the chosen action needs is shown.
(function () {
  "use strict";

  function rows(form) { return form.querySelectorAll("input[data-bulk-row]"); }

  function refresh(form) {
    var boxes = rows(form);
    var ticked = 0;
    boxes.forEach(function (box) { if (box.checked) ticked += 1; });
    var all = form.querySelector("input[data-bulk-all]");
    if (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    var count = form.querySelector("[data-bulk-count]");
    if (count) {
      var words = ticked === 0 ? form.dataset.countNone
        : ticked === 1 ? form.dataset.countOne
        : form.dataset.countMany.replace("__count__", String(ticked));
      if (count.textContent !== words) count.textContent = words;
      count.hidden = false;
    }
  }

  function showFields(form) {
    var select = form.querySelector("select[data-bulk-action]");
    var chosen = select ? select.value : "";
    form.querySelectorAll("[data-bulk-for]").forEach(function (wrapper) {
      var users = wrapper.getAttribute("data-bulk-for").split(" ");
      wrapper.hidden = users.indexOf(chosen) === -1;
    });
  }

  function setUp(root) {
    root.querySelectorAll("form[data-bulk]").forEach(function (form) {
      refresh(form);
      showFields(form);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.form;
    if (!form || !form.hasAttribute("data-bulk")) return;
    if (target.hasAttribute("data-bulk-all")) {
      rows(form).forEach(function (box) { box.checked = target.checked; });
    }
    if (target.hasAttribute("data-bulk-action")) showFields(form);
    refresh(form);
  });

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setUp(event.target); });
})();
