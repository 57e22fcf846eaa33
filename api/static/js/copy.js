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
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () {});
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      }
    });
  });
});
