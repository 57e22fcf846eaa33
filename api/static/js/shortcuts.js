// taskdesk keyboard shortcuts (the help dialog, #shortcuts-help in base.html, lists them):
// c new task, / search, g t tasks, g i incidents, j / k next / previous item of a list, ? help.
// None fires while the person types in a field, or with Ctrl, Alt or Cmd held. The help dialog
// comes from a <template> (#shortcuts-template, base.html), added to the page when first shown.
"use strict";
(function () {
  var template = document.getElementById("shortcuts-template");
  if (!template) {
    return; // signed out: no shortcuts
  }
  var urls = template.dataset;
  var help = null;
  var waitingForG = false;
  var gTimer = null;

  function typing(event) {
    var target = event.target;
    if (!target || target === document.body) {
      return false;
    }
    if (target.isContentEditable) {
      return true;
    }
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") {
      return true;
    }
    if (tag === "INPUT") {
      // checkboxes, radios and buttons take no text
      return !/^(checkbox|radio|button|submit|reset|range|color|file|image)$/i.test(target.type);
    }
    return false;
  }

  function go(url) {
    if (url) {
      window.location.assign(url);
    }
  }

  function items() {
    var marked = document.querySelectorAll("main [data-list-item]");
    if (marked.length) {
      return Array.prototype.slice.call(marked);
    }
    return Array.prototype.filter.call(
      document.querySelectorAll("main table tbody tr"),
      function (row) { return row.querySelector("a[href]"); }
    );
  }

  function move(step) {
    var list = items();
    if (!list.length) {
      return;
    }
    var current = list.findIndex(function (el) { return el.classList.contains("kbd-current"); });
    var next = current === -1 ? (step > 0 ? 0 : list.length - 1)
      : Math.min(list.length - 1, Math.max(0, current + step));
    if (current !== -1) {
      list[current].classList.remove("kbd-current");
      list[current].removeAttribute("aria-current");
    }
    var item = list[next];
    item.classList.add("kbd-current");
    item.setAttribute("aria-current", "true");
    var link = item.querySelector("a[href]");
    if (link) {
      link.focus();
    }
    item.scrollIntoView({ block: "nearest" });
  }

  function focusSearch() {
    var box = document.getElementById("navbar-search");
    if (!box) {
      return;
    }
    if (box.offsetParent === null) {
      // phone size: the box is in the collapsed menu; open it first
      var toggler = document.querySelector(".navbar-toggler");
      if (toggler && toggler.offsetParent !== null) {
        toggler.click();
      }
      window.setTimeout(function () { box.focus(); }, 400);
      return;
    }
    box.focus();
    box.select();
  }

  function showHelp() {
    if (!help) {
      document.body.appendChild(template.content.cloneNode(true));
      help = document.getElementById("shortcuts-help");
    }
    if (window.bootstrap && window.bootstrap.Modal) {
      window.bootstrap.Modal.getOrCreateInstance(help).show();
    }
  }

  document.querySelectorAll("[data-shortcuts-help]").forEach(function (button) {
    button.addEventListener("click", showHelp);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target && event.target.id === "navbar-search") {
      event.target.blur();
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event)) {
      return;
    }
    if (help && help.classList.contains("show")) {
      return; // the dialog is open: Esc closes it, nothing else moves behind it
    }
    var key = event.key;
    if (waitingForG) {
      waitingForG = false;
      window.clearTimeout(gTimer);
      if (key === "t") {
        event.preventDefault();
        go(urls.tasksUrl);
      } else if (key === "i") {
        event.preventDefault();
        go(urls.incidentsUrl);
      }
      return;
    }
    if (key === "/") {
      event.preventDefault();
      focusSearch();
    } else if (key === "?") {
      event.preventDefault();
      showHelp();
    } else if (key === "c") {
      event.preventDefault();
      go(urls.newTaskUrl);
    } else if (key === "g") {
      waitingForG = true;
      gTimer = window.setTimeout(function () { waitingForG = false; }, 1500);
    } else if (key === "j") {
      event.preventDefault();
      move(1);
    } else if (key === "k") {
      event.preventDefault();
      move(-1);
    }
  });
})();
