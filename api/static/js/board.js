// The project board: move a card to another column by dragging it (native HTML5 drag and
// drop), by the left and right arrow keys on a focused card, or by its buttons. Each move posts
// the card's own status form (CSRF token, version as If-Match) and asks for JSON; a refusal
// (someone changed the task first, or no right to move it) puts the card back and says why.
// Without this script the buttons post the same form and the board comes back.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var board = document.querySelector("[data-board]");
  if (!board) {
    return;
  }
  var live = document.querySelector("[data-board-live]");
  var order = Array.prototype.map.call(board.querySelectorAll("[data-column]"), function (c) {
    return c.dataset.column;
  });
  var dragged = null;

  function say(text, failed) {
    if (!live) {
      return;
    }
    live.textContent = text;
    live.classList.toggle("text-danger", Boolean(failed));
    live.classList.toggle("fw-semibold", Boolean(failed));
  }

  function column(status) {
    return board.querySelector("[data-column='" + status + "']");
  }

  function label(status) {
    var heading = column(status).querySelector(".board-column-title .badge");
    return heading ? heading.textContent.trim().toLowerCase() : status.replace("_", " ");
  }

  function recount() {
    board.querySelectorAll("[data-column]").forEach(function (col) {
      var cards = col.querySelectorAll("[data-card]").length;
      var counter = col.querySelector("[data-count]");
      var shown = counter ? parseInt(counter.dataset.shown || "", 10) : NaN;
      if (counter) {
        // The count is the column's total; moves change it by one each way.
        var total = parseInt(counter.textContent, 10) || 0;
        if (!isNaN(shown)) {
          total += cards - shown;
        }
        counter.textContent = String(total);
        counter.dataset.shown = String(cards);
      }
      var empty = col.querySelector("[data-empty]");
      if (empty) {
        empty.hidden = cards > 0;
      }
    });
  }

  function showButtons(card) {
    card.querySelectorAll("form[data-move]").forEach(function (form) {
      form.hidden = form.elements.status.value === card.dataset.status;
      form.elements.version.value = card.dataset.version;
    });
  }

  function putBack(card, origin) {
    origin.list.insertBefore(card, origin.next);
    card.dataset.status = origin.status;
    showButtons(card);
    recount();
  }

  function move(card, status) {
    if (!card || card.dataset.status === status || !column(status)) {
      return;
    }
    if (card.classList.contains("board-card-saving")) {
      say(card.dataset.ref + " is still being saved; move it again in a moment.");
      return;
    }
    var form = card.querySelector("form[data-move]");
    if (!form) {
      return;
    }
    var origin = { list: card.parentNode, next: card.nextSibling, status: card.dataset.status };
    var list = column(status).querySelector("[data-cards]");
    list.insertBefore(card, list.firstChild);
    card.dataset.status = status;
    showButtons(card);
    recount();
    card.classList.add("board-card-saving");
    var body = new URLSearchParams();
    body.append("csrf_token", form.elements.csrf_token.value);
    body.append("task_id", card.dataset.taskId);
    body.append("version", card.dataset.version);
    body.append("status", status);
    say("Moving " + card.dataset.ref + " to " + label(status) + "…");
    fetch(board.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      body: body
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (data) {
        card.classList.remove("board-card-saving");
        if (response.ok && data.version) {
          card.dataset.version = String(data.version);
          showButtons(card);
          say(data.message || card.dataset.ref + " moved.");
          return;
        }
        putBack(card, origin);
        say((data.message || "The move was refused; reload the board.") +
            " " + card.dataset.ref + " is back in " + label(origin.status) + ".", true);
      });
    }).catch(function () {
      card.classList.remove("board-card-saving");
      putBack(card, origin);
      say("The server could not be reached; " + card.dataset.ref + " is back where it was.", true);
    });
  }

  recount();
  board.querySelectorAll("[data-card][data-movable]").forEach(function (card) {
    card.draggable = true;
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      card.classList.add("board-card-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.taskId);
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("board-card-dragging");
      board.querySelectorAll(".board-column-over").forEach(function (c) {
        c.classList.remove("board-column-over");
      });
      dragged = null;
    });
    card.addEventListener("keydown", function (event) {
      if (event.target !== card || event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) {
        return;
      }
      var next = order[order.indexOf(card.dataset.status) + step];
      event.preventDefault();
      if (next) {
        move(card, next);
        card.focus();
      }
    });
    card.querySelectorAll("form[data-move]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        move(card, form.elements.status.value);
        card.focus();
      });
    });
  });
  board.querySelectorAll("[data-column]").forEach(function (col) {
    col.addEventListener("dragover", function (event) {
      if (dragged && dragged.dataset.status !== col.dataset.column) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        col.classList.add("board-column-over");
      }
    });
    col.addEventListener("dragleave", function (event) {
      if (!col.contains(event.relatedTarget)) {
        col.classList.remove("board-column-over");
      }
    });
    col.addEventListener("drop", function (event) {
      event.preventDefault();
      col.classList.remove("board-column-over");
      if (dragged) {
        move(dragged, col.dataset.column);
      }
    });
  });
});
