// taskdesk colour theme: follow the system's light or dark setting. Loaded in <head>, before
// the page is drawn, so a dark system never sees a light flash (Bootstrap's data-bs-theme).
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
