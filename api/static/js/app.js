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
  // Stacked tables (phone size, app.css .table-stack): each cell shows its column's heading.
  document.querySelectorAll("table.table-stack").forEach(function (table) {
    var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      var hidden = th.querySelector(".visually-hidden");
      var text = th.textContent.trim();
      return hidden && hidden.textContent.trim() === text ? "" : text;
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (headings[index] && !cell.hasAttribute("colspan") && !cell.dataset.label) {
          cell.dataset.label = headings[index];
        }
      });
    });
  });
  // Time zone selects: preselect the browser's own zone on registration; on the profile offer
  // it in one click when it differs from the saved one.
  var browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    browserZone = "";
  }
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    var offered = Array.prototype.some.call(select.options, function (option) {
      return option.value === browserZone;
    });
    if (!browserZone || !offered || select.value === browserZone) {
      return;
    }
    if (select.dataset.browserZone === "preselect") {
      if (!select.value && !select.classList.contains("is-invalid")) {
        select.value = browserZone;
      }
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm p-0 mt-1 use-browser-zone";
    button.textContent = "Use this device's zone (" + browserZone + ")";
    button.addEventListener("click", function () {
      select.value = browserZone;
      button.remove();
    });
    select.insertAdjacentElement("afterend", button);
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
  // Copy buttons ([data-copy] names the field to copy): the clipboard API (secure contexts),
  // else the text is left selected for the person to copy by hand.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.querySelector(button.dataset.copy);
    if (!field) {
      return;
    }
    var label = button.textContent;
    button.addEventListener("click", function () {
      field.select();
      var done = function () {
        button.textContent = button.dataset.copied || "Copied";
        window.setTimeout(function () { button.textContent = label; }, 2000);
      };
      var byHand = function () {
        button.textContent = "Selected: copy it";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, byHand);
      } else {
        byHand();
      }
    });
  });
});

// Pages that are the same for every viewer (the public status page) print times in UTC inside
// <time datetime="..." data-localise>: show them in the browser's own zone instead.
document.addEventListener("DOMContentLoaded", function () {
  var times = document.querySelectorAll("time[data-localise]");
  if (!times.length || !window.Intl) {
    return;
  }
  var format;
  var zone = "";
  try {
    format = new Intl.DateTimeFormat(undefined, {
      day: "2-digit", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    });
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  times.forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (!isNaN(moment.getTime())) {
      element.title = element.textContent;
      element.textContent = format.format(moment);
    }
  });
  document.querySelectorAll("[data-local-zone]").forEach(function (element) {
    element.textContent = zone || "your time zone";
  });
});
