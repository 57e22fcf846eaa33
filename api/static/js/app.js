// taskdesk UI behaviour. Loaded from our own origin (the CSP allows no inline script).
"use strict";

// A page answering a failed form post (shown again with its errors) says which URL it stands
// for: replacing the history entry turns a reload into a GET, so it never re-sends the form.
if (document.body && document.body.dataset.afterPost && window.history.replaceState) {
  window.history.replaceState(null, "", document.body.dataset.afterPost);
}

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
