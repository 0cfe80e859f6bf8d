// The pipeline board: drag a card to another column to move the opportunity there.
// Without this script every card's "Move" form does the same with a page load; with it, a drop
// or a submitted form posts that same form in the background and the board is redrawn from the
// page the server answers with (the board with its filters), so counts and totals stay right.
(function () {
  "use strict";

  var wrap, dialog, pendingLost = null, dragged = null;

  function columnOf(node) {
    return node && node.closest ? node.closest(".board-column") : null;
  }

  function clearDropTargets() {
    wrap.querySelectorAll(".board-column.is-drop-target").forEach(function (column) {
      column.classList.remove("is-drop-target");
    });
  }

  function replaceFrom(doc, selector) {
    var fresh = doc.querySelector(selector), current = document.querySelector(selector);
    if (fresh && current) {
      current.innerHTML = fresh.innerHTML;
      // The columns' "Show more" links are htmx's: let it see the redrawn ones.
      if (window.htmx) window.htmx.process(current);
    }
  }

  // Posts a card's form and redraws the board (and the messages) from the answer.
  function send(form, data, cardId, focusAfter) {
    wrap.setAttribute("aria-busy", "true");
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      return response.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!response.ok || !doc.getElementById("pipeline-board")) {
          // Not the board (an error page, a login page): show whatever the server answered.
          window.location.assign(response.url || window.location.href);
          return;
        }
        replaceFrom(doc, "#pipeline-board");
        replaceFrom(doc, ".messages");
        var card = document.getElementById(cardId);
        var link = card && card.querySelector(".board-card-title");
        if (link && focusAfter) link.focus();
      });
    }).catch(function () {
      window.location.reload();
    }).finally(function () {
      wrap.removeAttribute("aria-busy");
    });
  }

  function move(card, column, lostReason) {
    var form = card.querySelector(".board-move form");
    if (!form) return;
    var data = new FormData(form);
    data.set("stage", column.getAttribute("data-stage"));
    data.set("lost_reason", lostReason || "");
    // Show the card in its new column at once; the server's answer then redraws the board.
    var list = column.querySelector(".board-cards");
    var empty = column.querySelector(".board-empty");
    if (empty) empty.remove();
    card.classList.add("is-moving");
    list.insertBefore(card, list.firstChild);
    send(form, data, card.id, false);
  }

  function askLostReason(card, column) {
    var select = dialog && dialog.querySelector("select");
    if (!dialog || typeof dialog.showModal !== "function") {
      // No <dialog> support: open the card's own form with the lost stage chosen.
      var details = card.querySelector("details");
      var stage = card.querySelector("select[name=stage]");
      if (details && stage) {
        details.open = true;
        stage.value = column.getAttribute("data-stage");
        card.querySelector("select[name=lost_reason]").focus();
      }
      return;
    }
    var text = dialog.querySelector("#lost-dialog-text");
    var title = card.querySelector(".board-card-title");
    text.textContent = (text.getAttribute("data-text") || "")
      .replace("{title}", title ? title.textContent.trim() : "")
      .replace("{stage}", column.getAttribute("data-stage-name"));
    if (select) select.value = "";
    dialog.returnValue = "";
    pendingLost = { card: card, column: column };
    dialog.showModal();
  }

  function onDragStart(event) {
    var card = event.target.closest && event.target.closest(".board-card");
    if (!card || !wrap.contains(card)) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  }

  function onDragEnd() {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    clearDropTargets();
  }

  function onDragOver(event) {
    var column = columnOf(event.target);
    if (!dragged || !column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("is-drop-target")) {
      clearDropTargets();
      column.classList.add("is-drop-target");
    }
  }

  function onDragLeave(event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("is-drop-target");
  }

  function onDrop(event) {
    var column = columnOf(event.target), card = dragged;
    if (!card || !column) return;
    event.preventDefault();
    clearDropTargets();
    card.classList.remove("is-dragging");
    dragged = null;
    if (columnOf(card) === column) return;
    if (column.getAttribute("data-stage-kind") === "lost") {
      askLostReason(card, column);
    } else {
      move(card, column, "");
    }
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.matches || !form.matches(".board-move form")) return;
    event.preventDefault();
    var card = form.closest(".board-card");
    send(form, new FormData(form), card.id, true);
  }

  function onDialogClose() {
    var pending = pendingLost, select = dialog.querySelector("select");
    pendingLost = null;
    if (!pending) return;
    if (dialog.returnValue === "confirm" && select && select.value) {
      move(pending.card, pending.column, select.value);
    } else {
      var link = pending.card.querySelector(".board-card-title");
      if (link) link.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    wrap = document.getElementById("pipeline-board");
    if (!wrap) return;
    dialog = document.getElementById("lost-dialog");
    wrap.addEventListener("dragstart", onDragStart);
    wrap.addEventListener("dragend", onDragEnd);
    wrap.addEventListener("dragover", onDragOver);
    wrap.addEventListener("dragleave", onDragLeave);
    wrap.addEventListener("drop", onDrop);
    wrap.addEventListener("submit", onSubmit);
    if (dialog) dialog.addEventListener("close", onDialogClose);
  });
})();
