// taskdesk colour theme: follow the system's light or dark setting (Bootstrap's data-bs-theme).
// Deferred, so it never holds up parsing; until it runs, app.css paints the page dark for a
// dark system (html:not([data-bs-theme])), so there is no light flash either.
"use strict";
(function () {
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query && query.matches ? "dark" : "light");
  }
  apply();
  if (query && query.addEventListener) {
    query.addEventListener("change", apply);
  }
})();
