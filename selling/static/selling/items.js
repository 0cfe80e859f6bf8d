// The lines form of a draft (selling/templates/selling/items_form.html). It works without this:
// every row has a "Remove" box and the form carries one empty row. Here: "Add line" shows (htmx
// fetches the row and focuses its product), and "Remove" hides the row and ticks its box.
(function () {
  "use strict";

  function announce(text) {
    var status = document.getElementById("lines-status");
    if (status) status.textContent = text;
  }

  function enhance(root) {
    var scope = root.closest ? (root.closest("form.lines-form") || root) : root;
    if (!scope.querySelector) return;
    scope.querySelectorAll("[data-line-add]").forEach(function (button) { button.hidden = false; });
    scope.querySelectorAll("[data-line-add-fallback]").forEach(function (hint) { hint.hidden = true; });
    scope.querySelectorAll("tr[data-line]").forEach(function (row) {
      var box = row.querySelector("input[data-line-field='DELETE']");
      var wrapper = row.querySelector("[data-line-delete]");
      var button = row.querySelector("[data-line-remove]");
      if (!box || !button) return;
      if (wrapper) wrapper.hidden = true;
      button.hidden = false;
      row.hidden = box.checked;
    });
  }

  function visibleRows(form) {
    return Array.prototype.filter.call(form.querySelectorAll("tr[data-line]"), function (row) {
      return !row.hidden;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-line-remove]");
    if (!button) return;
    var row = button.closest("tr[data-line]");
    var form = button.closest("form");
    var box = row && row.querySelector("input[data-line-field='DELETE']");
    if (!box || !form) return;
    var rows = visibleRows(form);
    var at = rows.indexOf(row);
    box.checked = true;
    row.hidden = true;
    announce(form.dataset.removedText.replace("__number__", button.dataset.lineNumber));
    // Focus goes to the next row's remove button, else the previous one's, else "Add line".
    var next = rows[at + 1] || rows[at - 1];
    var target = next ? next.querySelector("[data-line-remove]") : form.querySelector("[data-line-add]");
    if (target) target.focus();
    box.dispatchEvent(new Event("change", { bubbles: true }));  // refreshes the totals
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.lines-form");
    if (!form) return;
    enhance(form);
    // After "Save and add another line": straight into the new row's product.
    var row = location.hash && document.getElementById(location.hash.slice(1));
    var select = row && row.querySelector && row.querySelector("select[data-line-field='product']");
    if (select) select.focus();
  });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var row = event.target.lastElementChild;
    if (event.target.id === "line-rows" && row) {
      var form = row.closest("form");
      if (form) announce(form.dataset.addedText);
    }
  });
})();
