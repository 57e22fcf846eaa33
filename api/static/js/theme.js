// taskdesk colour theme (Bootstrap's data-bs-theme): the choice of the profile's switch, kept in
// this browser's localStorage ("light", "dark"), else the system's light or dark setting.
// Deferred, so it never holds up parsing; until it runs, app.css paints the page dark for a
// dark system (html:not([data-bs-theme])), so there is no light flash either.
"use strict";
(function () {
  var KEY = "taskdesk.theme";
  var unsaved = null; // the choice when storage is refused: it holds for this page
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function chosen() {
    if (unsaved) {
      return unsaved;
    }
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : "system";
    } catch (error) {
      return "system"; // storage refused (private mode, policy): follow the system
    }
  }
  function apply() {
    var choice = chosen();
    var dark = choice === "system" ? Boolean(query && query.matches) : choice === "dark";
    document.documentElement.setAttribute("data-bs-theme", dark ? "dark" : "light");
  }
  apply();
  if (query && query.addEventListener) {
    query.addEventListener("change", apply);
  }
  // The profile's switch: radios named "theme" inside [data-theme-switch].
  document.querySelectorAll("[data-theme-switch] input[name=theme]").forEach(function (radio) {
    radio.checked = radio.value === chosen();
    radio.addEventListener("change", function () {
      try {
        if (radio.value === "system") {
          window.localStorage.removeItem(KEY);
        } else {
          window.localStorage.setItem(KEY, radio.value);
        }
      } catch (error) {
        unsaved = radio.value; // storage refused: the choice holds for this page only
      }
      apply();
    });
  });
})();
