// Drag to move on the front desk's day board (progressive enhancement).
//
// Drop a block (an appointment that may still be moved: it carries data-move-url) on a free cell (data-move-query:
// its practitioner or room, day and start) and a small dialog asks for the reason, as the reschedule page does. The
// dialog's form POSTs to that appointment's reschedule page (scheduling:desk_reschedule) with the cell's time, so the
// same service, rules and messages apply: a time someone else has just taken comes back as that page's clear message
// with the nearest free times, and the appointment stays where it was.
//
// Without JavaScript, and from the keyboard, "Move" then "Move here" on a free cell reaches the same page.
(function () {
  "use strict";

  var dialog = document.getElementById("drag-move");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var form = dialog.querySelector("form");
  var dragged = null;

  function enable(root) {
    root.querySelectorAll("[data-move-url]").forEach(function (block) {
      block.setAttribute("draggable", "true");
      block.classList.add("board-draggable");
    });
  }

  function clearOver() {
    document.querySelectorAll(".board-drop-over").forEach(function (el) {
      el.classList.remove("board-drop-over");
    });
  }

  function cellAt(event) {
    return event.target instanceof Element ? event.target.closest("[data-move-query]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var block = event.target instanceof Element ? event.target.closest("[data-move-url]") : null;
    if (!block) return;
    dragged = block;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.getAttribute("data-patient") || "");
    document.body.classList.add("board-dragging");
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    document.body.classList.remove("board-dragging");
    clearOver();
  });

  document.addEventListener("dragover", function (event) {
    var cell = cellAt(event);
    if (!dragged || !cell) return;
    event.preventDefault(); // this cell accepts the drop
    event.dataTransfer.dropEffect = "move";
    if (!cell.classList.contains("board-drop-over")) {
      clearOver();
      cell.classList.add("board-drop-over");
    }
  });

  document.addEventListener("drop", function (event) {
    var cell = cellAt(event);
    if (!dragged || !cell) return;
    event.preventDefault();
    ask(dragged, cell);
  });

  function ask(block, cell) {
    var query = cell.getAttribute("data-move-query");
    var params = new URLSearchParams(query);
    // The query string too: after a refusal the reschedule page shows that day's free times.
    form.action = block.getAttribute("data-move-url") + "?" + query;
    ["start", "practitioner", "room"].forEach(function (name) {
      form.elements[name].value = params.get(name) || "";
    });
    dialog.querySelector("[data-move-who]").textContent = block.getAttribute("data-patient") || "the appointment";
    dialog.querySelector("[data-move-when]").textContent =
      cell.getAttribute("data-time") + " (" + cell.getAttribute("data-lane") + ")";
    form.elements.reason.value = "";
    clearOver();
    dialog.showModal();
    form.elements.reason.focus();
  }

  dialog.querySelector("[data-move-close]").addEventListener("click", function () {
    dialog.close();
  });

  enable(document);
  // A block swapped in by an in-place action (check in, no-show) can be dragged too.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target instanceof Element) enable(event.target.parentElement || event.target);
  });
})();
