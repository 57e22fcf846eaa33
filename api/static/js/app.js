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
