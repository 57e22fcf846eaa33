// Copy buttons: a .js-copy button copies the value of the input its data-copy-target names.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.js-copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copyTarget);
      if (!input) {
        return;
      }
      input.select();
      var done = function () {
        button.textContent = button.dataset.copied || "Copied";
        button.classList.replace("btn-outline-primary", "btn-success");
      };
      // The Clipboard API needs a focused document; the older command is the fallback.
      var fallback = function () {
        input.select();
        if (document.execCommand && document.execCommand("copy")) {
          done();
        }
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
});
