// taskdesk UI behaviour. Loaded from our own origin (the CSP allows no inline script).
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // Forms marked .js-confirm ask before a destructive post (delete, reject).
  document.querySelectorAll("form.js-confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm || "Are you sure?")) {
        event.preventDefault();
      }
    });
  });
  // Put the focus on the first invalid field so keyboard and screen-reader users land on it.
  var invalid = document.querySelector("[aria-invalid='true']");
  if (invalid) {
    invalid.focus();
  }
});

// Several-people and label pickers (tasks): a filter box above a <select multiple>, and, in a
// form with a #project select, only the group of the chosen project is shown.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-multi]").forEach(function (box) {
    var select = box.querySelector("select[multiple]");
    var filter = box.querySelector("[data-multi-filter]");
    if (!select) {
      return;
    }
    var project = box.form ? null : (box.closest("form") || document).querySelector("#project");
    function apply() {
      var text = filter ? filter.value.trim().toLowerCase() : "";
      var key = project ? project.value : "";
      select.querySelectorAll("optgroup").forEach(function (group) {
        var hide = key && group.dataset.project && group.dataset.project !== key;
        group.hidden = Boolean(hide);
        if (hide) {
          group.querySelectorAll("option").forEach(function (o) { o.selected = false; });
        }
      });
      select.querySelectorAll("option").forEach(function (option) {
        option.hidden = text !== "" && option.textContent.toLowerCase().indexOf(text) === -1;
      });
    }
    if (filter) {
      filter.hidden = false;
      filter.addEventListener("input", apply);
    }
    if (project) {
      project.addEventListener("change", apply);
    }
    apply();
  });
});
