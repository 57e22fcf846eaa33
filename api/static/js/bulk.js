// The task list's selection: a box to tick every row of the page, the count of ticked rows,
// the bulk buttons enabled only with a selection, and a question before deleting. Without
// this script the row boxes and the buttons still post the form (the server checks the rest).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-bulk]");
  if (!form) {
    return;
  }
  var rows = Array.prototype.slice.call(form.querySelectorAll("input[data-bulk-row]"));
  var all = form.querySelector("input[data-bulk-all]");
  var count = form.querySelector("[data-bulk-count]");
  var actions = form.querySelectorAll("[data-bulk-action]");

  function update() {
    var ticked = rows.filter(function (box) { return box.checked; }).length;
    rows.forEach(function (box) {
      box.closest("tr").classList.toggle("bulk-selected", box.checked);
    });
    if (all) {
      all.checked = rows.length > 0 && ticked === rows.length;
      all.indeterminate = ticked > 0 && ticked < rows.length;
    }
    if (count) {
      count.textContent = ticked === 0
        ? "Tick tasks below, then choose what to change."
        : ticked + (ticked === 1 ? " task selected" : " tasks selected");
    }
    actions.forEach(function (button) { button.disabled = ticked === 0; });
  }

  if (all) {
    all.hidden = rows.length === 0;
    all.addEventListener("change", function () {
      rows.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  rows.forEach(function (box) { box.addEventListener("change", update); });
  actions.forEach(function (button) {
    if (button.dataset.confirm) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.dataset.confirm)) {
          event.preventDefault();
        }
      });
    }
  });
  update();
});
