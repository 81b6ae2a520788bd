/* blockpress default theme: optional enhancements. Every page works without
 * this script; it adds a light/dark toggle, copy buttons on code blocks,
 * "expand all / collapse all" for collapsed blocks, and opens collapsed
 * blocks that hold the block a link points to. */
(function () {
  "use strict";

  var STORAGE_KEY = "blockpress-theme";
  var root = document.documentElement;

  // localStorage may be missing or throw (file:// pages, privacy modes).
  function storedTheme(value) {
    try {
      if (value === undefined) {
        return window.localStorage.getItem(STORAGE_KEY);
      }
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch (e) {
      /* the choice just won't be remembered */
    }
    return null;
  }

  // A live region so screen readers hear "Copied" and similar.
  var status = null;
  function announce(message) {
    if (!status) {
      status = document.createElement("div");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = message;
    }, 50);
  }

  /* ---- Light / dark toggle ---------------------------------------- */

  function setupThemeToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) {
      return;
    }
    var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

    function current() {
      var theme = root.getAttribute("data-theme");
      if (theme === "light" || theme === "dark") {
        return theme;
      }
      return query && query.matches ? "dark" : "light";
    }

    function sync() {
      var dark = current() === "dark";
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.title = dark ? "Switch to light theme" : "Switch to dark theme";
    }

    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      storedTheme(next);
      sync();
    });
    if (query) {
      var onChange = function () {
        if (!root.getAttribute("data-theme")) {
          sync();
        }
      };
      if (query.addEventListener) {
        query.addEventListener("change", onChange);
      } else if (query.addListener) {
        query.addListener(onChange);
      }
    }
    sync();
    button.hidden = false;
  }

  /* ---- Copy buttons on code blocks -------------------------------- */

  function copyWithTextarea(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "0";
    area.style.left = "-9999px";
    area.style.opacity = "0";
    document.body.appendChild(area);
    var active = document.activeElement;
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    if (active && active.focus) {
      active.focus();
    }
    return ok;
  }

  function copyText(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          done(true);
        },
        function () {
          done(copyWithTextarea(text));
        }
      );
    } else {
      done(copyWithTextarea(text));
    }
  }

  function setupCopyButtons() {
    var blocks = document.querySelectorAll("pre.code");
    Array.prototype.forEach.call(blocks, function (pre) {
      if (!pre.parentNode || pre.parentNode.classList.contains("code-wrap")) {
        return;
      }
      var wrap = document.createElement("div");
      wrap.className = "code-wrap";
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(pre);

      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code");
      var timer = null;
      button.addEventListener("click", function () {
        var code = pre.querySelector("code") || pre;
        copyText(code.textContent, function (ok) {
          button.textContent = ok ? "Copied" : "Copy failed";
          button.classList.add("copied");
          announce(ok ? "Code copied" : "Could not copy the code");
          window.clearTimeout(timer);
          timer = window.setTimeout(function () {
            button.textContent = "Copy";
            button.classList.remove("copied");
          }, 2000);
        });
      });
      wrap.appendChild(button);
    });
  }

  /* ---- Expand all / collapse all ---------------------------------- */

  function setupBlockTools() {
    var content = document.querySelector(".page-content");
    if (!content || !content.querySelector("details.block-collapse")) {
      return;
    }
    var tools = document.createElement("div");
    tools.className = "block-tools";

    function addButton(label, open) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "tool-button";
      button.textContent = label;
      button.addEventListener("click", function () {
        var all = document.querySelectorAll("details.block-collapse");
        Array.prototype.forEach.call(all, function (details) {
          details.open = open;
        });
        announce(open ? "All blocks expanded" : "Blocks collapsed");
      });
      tools.appendChild(button);
    }

    addButton("Expand all", true);
    addButton("Collapse all", false);
    content.parentNode.insertBefore(tools, content);
  }

  /* ---- Open collapsed blocks around a linked block ----------------- */

  function revealTarget() {
    var id = window.location.hash.slice(1);
    if (!id) {
      return;
    }
    try {
      id = decodeURIComponent(id);
    } catch (e) {
      /* keep it as written */
    }
    var target = document.getElementById(id);
    if (!target) {
      return;
    }
    var opened = false;
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) {
        node.open = true;
        opened = true;
      }
    }
    if (opened) {
      target.scrollIntoView();
    }
  }

  /* ---- Print: collapsed blocks print open ------------------------- */

  function setupPrint() {
    var reopened = [];
    window.addEventListener("beforeprint", function () {
      var closed = document.querySelectorAll("details.block-collapse:not([open])");
      reopened = Array.prototype.slice.call(closed);
      reopened.forEach(function (details) {
        details.open = true;
      });
    });
    window.addEventListener("afterprint", function () {
      reopened.forEach(function (details) {
        details.open = false;
      });
      reopened = [];
    });
  }

  /* ---- Sidebar on wide screens for browsers without ::details-content */

  function setupNav() {
    var menu = document.querySelector(".nav-menu");
    if (!menu || !window.matchMedia) {
      return;
    }
    var supported = false;
    try {
      supported = !!(window.CSS && CSS.supports && CSS.supports("selector(::details-content)"));
    } catch (e) {
      supported = false;
    }
    if (!supported && window.matchMedia("(min-width: 60rem)").matches) {
      menu.open = true;
    }
  }

  function init() {
    var steps = [setupThemeToggle, setupNav, setupCopyButtons, setupBlockTools, revealTarget, setupPrint];
    steps.forEach(function (step) {
      try {
        step();
      } catch (e) {
        /* one failing enhancement must not stop the others */
      }
    });
    window.addEventListener("hashchange", revealTarget);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }

  // Re-apply a saved choice (the inline script in <head> normally did this).
  var saved = storedTheme();
  if ((saved === "light" || saved === "dark") && !root.getAttribute("data-theme")) {
    root.setAttribute("data-theme", saved);
  }
})();
