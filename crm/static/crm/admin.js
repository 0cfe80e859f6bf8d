/* The admin's autocomplete boxes (select2) name their combobox after the field's label, as a
   screen reader and axe (aria-input-field-name) expect: select2 leaves it unnamed until a
   value is chosen. Rows added to an inline later get the same. */
(function () {
  "use strict";

  function nameComboboxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var box = select.nextElementSibling && select.nextElementSibling.querySelector(".select2-selection");
      if (!box || box.getAttribute("aria-label")) {
        return;
      }
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      var name = select.getAttribute("aria-label") || (label ? label.textContent.replace(/:\s*$/, "").trim() : "");
      if (!name) {
        return;
      }
      // The combobox names itself by its (empty until chosen) value: the label goes first.
      if (label) {
        label.id = label.id || select.id + "-label";
        var shown = box.getAttribute("aria-labelledby");
        box.setAttribute("aria-labelledby", shown ? label.id + " " + shown : label.id);
      }
      box.setAttribute("aria-label", name);
      var rendered = box.querySelector(".select2-selection__rendered");
      if (rendered) {
        rendered.setAttribute("aria-label", name);
      }
    });
  }

  function nameAll() {
    nameComboboxes(document);
  }
  // After Django's autocomplete.js has made the boxes (in its own jQuery ready handler, which
  // was registered before this deferred script ran), and again once the page has loaded.
  if (window.django && window.django.jQuery) {
    window.django.jQuery(nameAll);
  }
  window.addEventListener("load", nameAll);
  document.addEventListener("formset:added", function (event) {
    // select2 initialises the new row in its own handler of the same event: name it after.
    window.setTimeout(function () {
      nameComboboxes(event.target);
    }, 0);
  });
})();
