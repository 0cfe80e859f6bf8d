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

// --- bulk actions (crm/ui/bulk.py) ------------------------------------------------------------
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

// --- lookups (crm/ui/lookup.py) ---------------------------------------------------------------
// Without this the search box is sent with the form and the server answers with the matches.
// Here: htmx fetches the matches as the user types and swaps them into the select; they open
// as a list under the box. Arrow down (or Enter) moves into the list, Enter or a click picks,
// Escape goes back to the box. In a search form (the list filters) picking applies the filter.
(function () {
  "use strict";

  var MAX_ROWS = 8;

  function parts(element) {
    var root = element && element.closest ? element.closest("[data-lookup]") : null;
    if (!root) return null;
    return {
      root: root,
      box: root.querySelector("[data-lookup-search]"),
      select: root.querySelector("select"),
      status: root.querySelector("[data-lookup-status]"),
    };
  }

  function results(p) { return p.select.querySelector("optgroup[data-lookup-results]"); }

  function firstMatch(p) {
    var group = results(p);
    return group ? group.querySelector("option") : null;
  }

  function isOpen(p) { return p.root.classList.contains("lookup-open"); }

  function open(p) {
    var group = results(p);
    var rows = p.select.options.length + (group && !group.hidden ? 1 : 0);
    p.select.size = Math.max(2, Math.min(rows, MAX_ROWS));
    p.root.classList.remove("lookup-note");
    p.root.classList.add("lookup-open");
  }

  function close(p) {
    p.select.removeAttribute("size");
    p.root.classList.remove("lookup-open", "lookup-note");
  }

  // Nothing to pick: the status shows where the list would (it takes no room, see app.css).
  function note(p) {
    close(p);
    if (p.status && p.status.textContent) p.root.classList.add("lookup-note");
  }

  // Into the list: the first match is highlighted unless one of the matches already is.
  function enterList(p) {
    var match = firstMatch(p);
    if (!match) return false;
    open(p);
    var current = p.select.selectedOptions[0];
    if (!current || current.parentNode !== results(p)) {
      match.selected = true;
      p.select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    p.select.focus();
    return true;
  }

  function pick(p) {
    close(p);
    var form = p.select.form;
    if (form && form.getAttribute("role") === "search" && form.requestSubmit) form.requestSubmit();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var group = event.target;
    if (!group.matches || !group.matches("optgroup[data-lookup-results]")) return;
    var p = parts(group);
    if (!p) return;
    if (p.status) p.status.textContent = group.getAttribute("label") || "";
    // Open only for someone still in the field: late answers do not cover the next one.
    if (!p.root.contains(document.activeElement)) close(p);
    else if (firstMatch(p)) open(p);
    else note(p);
  });

  document.addEventListener("keydown", function (event) {
    var p = parts(event.target);
    if (!p) return;
    if (event.target === p.box) {
      if (event.key === "ArrowDown") {
        if (enterList(p)) event.preventDefault();
      } else if (event.key === "Enter" && p.box.value.trim()) {
        // Typing a search does not submit the form: into the matches, or search now.
        event.preventDefault();
        if (!enterList(p) && window.htmx) window.htmx.trigger(p.box, "lookup");
      } else if (event.key === "Escape" && (isOpen(p) || p.root.classList.contains("lookup-note"))) {
        event.preventDefault();
        close(p);
      }
    } else if (event.target === p.select && isOpen(p)) {
      if (event.key === "Enter") {
        event.preventDefault();
        pick(p);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close(p);
        p.box.focus();
      }
    }
  });

  document.addEventListener("click", function (event) {
    var p = parts(event.target);
    if (p && isOpen(p) && event.target.tagName === "OPTION") pick(p);
  });

  // Leaving the widget closes the list or the note (the choice stays).
  document.addEventListener("focusout", function (event) {
    var p = parts(event.target);
    if (p && !(event.relatedTarget && p.root.contains(event.relatedTarget))) close(p);
  });
})();

/* ---- Saved views (crm/partials/_saved_views.html) ---------------------------------------- */
// htmx updates the filters and the address bar without reloading the page, so "Save this view"
// takes the query from the address bar when it is sent (without JS the page's own is right).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-saved-view-form")) return;
    var query = form.querySelector("input[name=query]");
    if (query) query.value = window.location.search.replace(/^\?/, "");
  }, true);
})();
/* ---- end saved views ---- */
// --- the top bar's search box (crm.views.search) ----------------------------------------------
// Without this the box submits to the search page. Here: htmx fetches the grouped results as the
// user types and they open in a panel under the box; "/" anywhere but in a field focuses the
// box, Arrow down moves into the results (Arrow up and down between them, Enter opens one),
// Escape closes the panel and goes back to the box, and leaving the box closes it too.
(function () {
  "use strict";

  function parts() {
    var form = document.querySelector("form[data-global-search]");
    if (!form) return null;
    return {
      form: form,
      box: form.querySelector("input[name=q]"),
      panel: form.querySelector("[data-global-search-panel]"),
      status: form.querySelector("[data-global-search-status]"),
    };
  }

  function links(p) { return Array.prototype.slice.call(p.panel.querySelectorAll("a[data-global-search-result]")); }

  function isOpen(p) { return !p.panel.hidden; }

  function open(p) { p.panel.hidden = false; p.form.classList.add("global-search-open"); }

  function close(p) { p.panel.hidden = true; p.form.classList.remove("global-search-open"); }

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var p = parts();
    if (!p || event.target !== p.panel) return;
    var results = p.panel.querySelector("[data-global-search-summary]");
    if (p.status) p.status.textContent = results ? results.getAttribute("data-global-search-summary") : "";
    // Open only for someone still in the box: a late answer does not cover the page.
    if (p.box.value.trim() && p.form.contains(document.activeElement)) open(p); else close(p);
  });

  document.addEventListener("keydown", function (event) {
    var p = parts();
    if (!p) return;
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !isTyping(event.target)) {
      event.preventDefault();
      p.box.focus();
      p.box.select();
      return;
    }
    if (!p.form.contains(event.target)) return;
    var items = links(p);
    var index = items.indexOf(event.target);
    if (event.key === "Escape" && isOpen(p)) {
      event.preventDefault();
      close(p);
      p.box.focus();
    } else if (event.key === "ArrowDown" && isOpen(p) && items.length) {
      event.preventDefault();
      items[Math.min(index + 1, items.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      if (index === 0) p.box.focus(); else items[index - 1].focus();
    }
  });

  // Back in the box with results already there: show them again.
  document.addEventListener("focusin", function (event) {
    var p = parts();
    if (p && event.target === p.box && p.box.value.trim() && p.panel.children.length) open(p);
  });

  // A press on a result keeps the focus where it is (Safari does not focus links on click, and
  // the panel would close under the pointer); the click then opens the result.
  document.addEventListener("mousedown", function (event) {
    var p = parts();
    if (p && p.panel.contains(event.target)) event.preventDefault();
  });

  document.addEventListener("focusout", function (event) {
    var p = parts();
    if (p && p.form.contains(event.target) && !(event.relatedTarget && p.form.contains(event.relatedTarget))) close(p);
  });
})();

// --- list filters behind a toggle (crm/partials/_filters.html) ---------------------------------
// The filters come served closed, so that on a phone the rows come first; on a wide screen they
// open at once. The count on the toggle follows the filters as htmx redraws the list.
(function () {
  "use strict";

  var WIDE = "(min-width: 801px)";

  function activeCount(form) {
    var count = 0;
    form.querySelectorAll(".field").forEach(function (field) {
      var used = Array.prototype.some.call(field.querySelectorAll("[name]"), function (input) {
        if (input.type === "hidden" || input.type === "submit") return false;
        if (input.type === "checkbox" || input.type === "radio") return input.checked;
        return input.value !== "";
      });
      if (used) count += 1;
    });
    return count;
  }

  function showCount(details) {
    var form = details.querySelector("form");
    var badge = details.querySelector(".filters-count");
    var number = details.querySelector("[data-filter-count]");
    if (!form || !badge || !number) return;
    var count = activeCount(form);
    number.textContent = String(count);
    badge.hidden = count === 0;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("details[data-filters]").forEach(function (details) {
      if (window.matchMedia && window.matchMedia(WIDE).matches) details.open = true;
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("details[data-filters]").forEach(showCount);
  });
})();

// --- scrolling tables that keyboards can reach ------------------------------------------------
// The lists' tables are named, focusable regions as served; any other table that is wider than
// its box (a detail page's panel on a narrow screen) becomes one here, named by its caption.
(function () {
  "use strict";

  function label(wrap) {
    var caption = wrap.querySelector("caption");
    return caption ? caption.textContent.trim() : "";
  }

  function reachable(root) {
    (root || document).querySelectorAll(".table-wrap:not([tabindex])").forEach(function (wrap) {
      var name = label(wrap);
      if (!name || wrap.scrollWidth <= wrap.clientWidth + 1) return;
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", name);
    });
  }

  var pending = null;
  document.addEventListener("DOMContentLoaded", function () { reachable(document); });
  document.addEventListener("htmx:afterSwap", function (event) { reachable(event.target); });
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () { reachable(document); }, 150);
  });
})();

// --- date inputs (crm/ui/dates.py) --------------------------------------------------------------
// Without this a date is typed in the page's format (the placeholder names it). Here: a button
// beside the field opens a calendar dialog in the page's language, labelled from the field's
// data attributes. Arrow keys move by a day or a week, Page Up/Down by a month (with Shift by a
// year), Home/End to the week's ends, Enter or a click picks, Escape closes; the focus goes back
// to the button. In a search form (the list filters) a changed date applies the filter.
(function () {
  "use strict";

  var dialog = null;
  var state = null; // { root, input, button, shown (first of the month), focused (a Date) }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) text = "0" + text;
    return text;
  }

  function formatDate(day, format) {
    return format.replace(/%([dmYy])/g, function (_all, code) {
      if (code === "d") return pad(day.getDate(), 2);
      if (code === "m") return pad(day.getMonth() + 1, 2);
      if (code === "Y") return pad(day.getFullYear(), 4);
      return pad(day.getFullYear() % 100, 2);
    });
  }

  function makeDate(year, month, day) {
    var result = new Date(year, month, day);
    result.setFullYear(year); // years below 100 are not 19xx
    return result.getMonth() === ((month % 12) + 12) % 12 && result.getDate() === day ? result : null;
  }

  // The field's text read in its format (or ISO), or null.
  function parseDate(text, format) {
    text = (text || "").trim();
    var iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
    if (iso) return makeDate(+iso[1], +iso[2] - 1, +iso[3]);
    var order = [];
    var pattern = format.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%([dmYy])/g, function (_all, code) {
      order.push(code);
      return code === "Y" ? "(\\d{4})" : "(\\d{1,2})";
    });
    var match = new RegExp("^" + pattern + "$").exec(text);
    if (!match) return null;
    var parts = {};
    order.forEach(function (code, index) { parts[code] = +match[index + 1]; });
    var year = parts.Y !== undefined ? parts.Y : (parts.y !== undefined ? 2000 + parts.y : NaN);
    if (isNaN(year) || parts.m === undefined || parts.d === undefined) return null;
    return makeDate(year, parts.m - 1, parts.d);
  }

  function sameDay(a, b) {
    return a && b && a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }

  function labels(root) {
    var data = root.dataset;
    return {
      months: JSON.parse(data.months),
      weekdays: JSON.parse(data.weekdays),
      weekdaysAbbr: JSON.parse(data.weekdaysAbbr),
      firstDay: +data.firstDay || 0,
      previous: data.labelPrevious,
      next: data.labelNext,
      today: data.labelToday,
      close: data.labelClose,
      open: data.labelOpen,
    };
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function buildDialog() {
    dialog = element("dialog", { class: "calendar", "aria-labelledby": "calendar-heading" });
    var head = element("div", { class: "calendar-head" });
    head.appendChild(element("button", { type: "button", class: "button button-small", "data-calendar-move": "-1" }, "‹"));
    head.appendChild(element("h2", { id: "calendar-heading", class: "calendar-heading", "aria-live": "polite" }));
    head.appendChild(element("button", { type: "button", class: "button button-small", "data-calendar-move": "1" }, "›"));
    dialog.appendChild(head);
    var table = element("table", { class: "calendar-grid", "aria-labelledby": "calendar-heading" });
    table.appendChild(element("thead"));
    table.appendChild(element("tbody"));
    dialog.appendChild(table);
    var foot = element("div", { class: "calendar-foot" });
    foot.appendChild(element("button", { type: "button", class: "button button-small", "data-calendar-today": "" }));
    foot.appendChild(element("button", { type: "button", class: "button button-small", "data-calendar-close": "" }));
    dialog.appendChild(foot);
    document.body.appendChild(dialog);

    dialog.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("button") : null;
      if (event.target === dialog) { close(); return; } // a click on the backdrop
      if (!target) return;
      if (target.hasAttribute("data-calendar-move")) {
        moveMonths(+target.getAttribute("data-calendar-move"), false);
      } else if (target.hasAttribute("data-calendar-today")) {
        pick(new Date());
      } else if (target.hasAttribute("data-calendar-close")) {
        close();
      } else if (target.hasAttribute("data-calendar-day")) {
        var parts = target.getAttribute("data-calendar-day").split("-");
        pick(makeDate(+parts[0], +parts[1] - 1, +parts[2]));
      }
    });
    dialog.addEventListener("keydown", onKey);
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); close(); });
  }

  function render(focusDay) {
    var text = labels(state.root);
    var focused = state.focused;
    var year = focused.getFullYear();
    var month = focused.getMonth();
    var picked = parseDate(state.input.value, state.root.dataset.format);
    var today = new Date();
    dialog.querySelector(".calendar-heading").textContent = text.months[month] + " " + year;
    var moves = dialog.querySelectorAll("[data-calendar-move]");
    moves[0].setAttribute("aria-label", text.previous);
    moves[1].setAttribute("aria-label", text.next);
    dialog.querySelector("[data-calendar-today]").textContent = text.today;
    dialog.querySelector("[data-calendar-close]").textContent = text.close;

    var headRow = element("tr");
    for (var i = 0; i < 7; i += 1) {
      var weekday = (text.firstDay + i) % 7;
      var th = element("th", { scope: "col", abbr: text.weekdays[weekday] });
      th.appendChild(element("span", { "aria-hidden": "true" }, text.weekdaysAbbr[weekday]));
      th.appendChild(element("span", { class: "visually-hidden" }, text.weekdays[weekday]));
      headRow.appendChild(th);
    }
    var thead = dialog.querySelector("thead");
    thead.replaceChildren(headRow);

    var tbody = dialog.querySelector("tbody");
    tbody.replaceChildren();
    var first = makeDate(year, month, 1);
    var lead = (first.getDay() - text.firstDay + 7) % 7;
    var days = new Date(year, month + 1, 0).getDate();
    var row = element("tr");
    for (var blank = 0; blank < lead; blank += 1) row.appendChild(element("td"));
    for (var day = 1; day <= days; day += 1) {
      var date = makeDate(year, month, day);
      var cell = element("td");
      var button = element("button", {
        type: "button",
        class: "calendar-day",
        tabindex: sameDay(date, focused) ? "0" : "-1",
        "data-calendar-day": year + "-" + (month + 1) + "-" + day,
        "aria-label": day + " " + text.months[month] + " " + year,
      }, String(day));
      if (sameDay(date, picked)) button.setAttribute("aria-pressed", "true");
      if (sameDay(date, today)) button.setAttribute("aria-current", "date");
      cell.appendChild(button);
      row.appendChild(cell);
      if ((lead + day) % 7 === 0) { tbody.appendChild(row); row = element("tr"); }
    }
    if (row.children.length) {
      while (row.children.length < 7) row.appendChild(element("td"));
      tbody.appendChild(row);
    }
    if (focusDay) focusedButton().focus();
  }

  function focusedButton() { return dialog.querySelector(".calendar-day[tabindex='0']"); }

  function moveDays(count) {
    var next = new Date(state.focused);
    next.setDate(next.getDate() + count);
    state.focused = next;
    render(true);
  }

  function moveMonths(count, focusDay) {
    var year = state.focused.getFullYear();
    var month = state.focused.getMonth() + count;
    var last = new Date(year, month + 1, 0).getDate();
    state.focused = makeDate(year, month, Math.min(state.focused.getDate(), last)) || new Date(year, month, 1);
    render(focusDay);
  }

  function onKey(event) {
    if (!state) return;
    var onDay = event.target.classList && event.target.classList.contains("calendar-day");
    var firstDay = labels(state.root).firstDay;
    var handled = true;
    if (event.key === "Escape") {
      close();
    } else if (!onDay) {
      handled = false;
    } else if (event.key === "ArrowLeft") {
      moveDays(-1);
    } else if (event.key === "ArrowRight") {
      moveDays(1);
    } else if (event.key === "ArrowUp") {
      moveDays(-7);
    } else if (event.key === "ArrowDown") {
      moveDays(7);
    } else if (event.key === "PageUp") {
      moveMonths(event.shiftKey ? -12 : -1, true);
    } else if (event.key === "PageDown") {
      moveMonths(event.shiftKey ? 12 : 1, true);
    } else if (event.key === "Home") {
      moveDays(-((state.focused.getDay() - firstDay + 7) % 7));
    } else if (event.key === "End") {
      moveDays(6 - ((state.focused.getDay() - firstDay + 7) % 7));
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  }

  function open(root) {
    if (!dialog) buildDialog();
    var input = root.querySelector("input");
    var picked = parseDate(input.value, root.dataset.format);
    state = { root: root, input: input, button: root.querySelector("[data-date-open]"), focused: picked || new Date() };
    render(false);
    dialog.showModal();
    focusedButton().focus();
  }

  function close() {
    if (!state) return;
    var button = state.button;
    state = null;
    if (dialog.open) dialog.close();
    if (button) button.focus();
  }

  function pick(day) {
    if (!state || !day) return;
    var input = state.input;
    input.value = formatDate(day, state.root.dataset.format);
    close();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function enhance(root) {
    root.querySelectorAll("[data-date-input] [data-date-open][hidden]").forEach(function (button) {
      button.hidden = false;
      button.setAttribute("title", button.closest("[data-date-input]").dataset.labelOpen);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-date-open]") : null;
    if (button) open(button.closest("[data-date-input]"));
  });

  // The list filters: a date typed or picked applies them, as a changed select does.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-date-input] input")) return;
    var form = input.form;
    if (form && form.getAttribute("role") === "search" && form.requestSubmit) form.requestSubmit();
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();

// "Show older" on a timeline swaps itself for the next page: the reader carries on at the
// first entry it brought, not at the top of the page.
(function () {
  document.addEventListener("htmx:afterSettle", function () {
    var first = document.querySelector("[data-timeline-focus]");
    if (!first) return;
    first.removeAttribute("data-timeline-focus");
    first.focus();
  });
})();

// --- list columns (crm/ui/columns.py) ---------------------------------------------------------
// The columns shown ride in the address (?cols=...). The filters form carries them in a hidden
// field once the page was loaded with them; columns picked later (the address changed without
// a reload) are added to its htmx requests here, so filtering keeps the columns picked.
(function () {
  "use strict";

  // The picker's boxes come in from their template when it first opens.
  document.addEventListener("toggle", function (event) {
    var picker = event.target;
    if (!picker.classList || !picker.classList.contains("columns-picker") || !picker.open) return;
    var template = picker.querySelector("template[data-columns-form]");
    if (!template) return;
    picker.appendChild(template.content.cloneNode(true));
    template.remove();
    var first = picker.querySelector(".columns-form input[type=checkbox]:not([disabled])");
    if (first) first.focus();
  }, true);

  // The picker sends one box per column (cols=a&cols=b); here the address says cols=a,b.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("columns-form") || event.defaultPrevented) return;
    event.preventDefault();
    var data = new FormData(form);
    var cols = data.getAll("cols");
    data.delete("cols");
    var params = new URLSearchParams(data);
    params.append("cols", cols.join(","));
    window.location.assign((form.getAttribute("action") || window.location.pathname) + "?" + params.toString());
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    if (!form || form.getAttribute("role") !== "search" || !form.closest("[data-filters]")) return;
    var params = event.detail.parameters;
    var cols = new URLSearchParams(window.location.search).getAll("cols");
    if (!cols.length || (params.has ? params.has("cols") : params.cols)) return;
    if (params.append) cols.forEach(function (value) { params.append("cols", value); });
    else params.cols = cols.join(",");
  });
})();
