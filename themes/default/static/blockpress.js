/* blockpress default theme: optional enhancements. Every page works without
 * this script; it adds a light/dark toggle, copy buttons on code blocks,
 * "expand all / collapse all" for collapsed blocks, opens collapsed blocks
 * that hold the block a link points to, and shows a preview of the page or
 * block a link in the content points to (from preview/*.js, written by
 * src/search/preview.rs; loaded with <script> tags, so it works from file://). */
(function () {
  "use strict";

  var STORAGE_KEY = "blockpress-theme";
  var root = document.documentElement;
  var script = document.currentScript;
  var SITE_ROOT = script && script.src ? script.src.replace(/static\/blockpress\.js(?:[?#].*)?$/, "") : "";

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

  /* ---- Hover previews of linked pages and blocks ------------------ */

  var PREVIEW_FORMAT = 1;
  var SHOW_DELAY = 300; // ms the pointer rests on a link before the preview shows
  var HIDE_DELAY = 250; // ms to move the pointer from the link onto the preview
  var LINKS = "a.page-ref, a.tag, a.block-ref";

  var previews = { manifest: null, shards: new Map(), loading: new Map() };
  window.__bpPreview = {
    manifest: function (m) {
      previews.manifest = m;
    },
    shard: function (n, pages) {
      previews.shards.set(n, pages);
    },
    fnv1a: fnv1a,
  };

  /* FNV-1a of the UTF-8 bytes, as src/search/preview.rs computes it. */
  function fnv1a(text) {
    var bytes = window.TextEncoder ? new TextEncoder().encode(text) : [];
    var hash = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      hash = Math.imul(hash ^ bytes[i], 0x01000193);
    }
    return hash >>> 0;
  }

  function loadScript(path) {
    var known = previews.loading.get(path);
    if (known) {
      return known;
    }
    var promise = new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = SITE_ROOT + path;
      tag.async = true;
      tag.onload = function () {
        resolve();
      };
      tag.onerror = function () {
        reject(new Error("could not load " + path));
      };
      document.head.appendChild(tag);
    });
    previews.loading.set(path, promise);
    return promise;
  }

  /* The preview record of a page file: [title, text, aliases, tags, references, blocks]. */
  function previewRecord(file) {
    return loadScript("preview/manifest.js").then(function () {
      var m = previews.manifest;
      if (!m || m.version !== PREVIEW_FORMAT) {
        return null;
      }
      var n = fnv1a(file) % Math.max(1, m.shards);
      return loadScript("preview/" + n + ".js?v=" + encodeURIComponent(m.build)).then(function () {
        var shard = previews.shards.get(n);
        return shard && Object.prototype.hasOwnProperty.call(shard, file) ? shard[file] : null;
      });
    });
  }

  /* {file, anchor} of a link into this site, or null. */
  function linkTarget(link) {
    if (!SITE_ROOT || link.href.indexOf(SITE_ROOT) !== 0) {
      return null;
    }
    var rest = link.href.slice(SITE_ROOT.length).split("#");
    var file = rest[0].split("?")[0];
    if (!file || file.indexOf("/") !== -1) {
      return null;
    }
    try {
      return { file: decodeURIComponent(file), anchor: decodeURIComponent(rest[1] || "") };
    } catch (e) {
      return null;
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  /* The popover's content for a record, or null when there is nothing to show. */
  function previewContent(record, target, isBlock) {
    var title = record[0] || "";
    var text = record[1]; // null: a page that exists only because something links to it
    var aliases = record[2] || [];
    var tags = record[3] || [];
    var references = record[4] || 0;
    var blocks = record[5] || {};
    var parts = [];
    var block = isBlock && Object.prototype.hasOwnProperty.call(blocks, target.anchor) ? blocks[target.anchor] : "";
    if (block) {
      parts.push(element("p", "preview-context", title));
      parts.push(element("p", "preview-text", block));
      return parts;
    }
    // A page, or a block without data of its own (a query result): the page.
    parts.push(element("p", "preview-title", title));
    if (aliases.length || tags.length) {
      var names = element("p", "preview-names");
      if (aliases.length) {
        names.appendChild(element("span", "preview-aliases", "Also " + aliases.join(", ")));
      }
      tags.forEach(function (tag) {
        names.appendChild(element("span", "preview-tag", "#" + tag));
      });
      parts.push(names);
    }
    if (text) {
      parts.push(element("p", "preview-text", text));
    } else {
      parts.push(element("p", "preview-empty", text === null ? "No notes of its own." : "This page is empty."));
    }
    if (references) {
      parts.push(element("p", "preview-refs", plural(references, "linked reference", "linked references")));
    }
    return parts;
  }

  function setupPreviews() {
    var main = document.querySelector("main");
    if (!main || !SITE_ROOT || !window.Promise || !window.Map) {
      return;
    }
    var popover = element("div", "preview-popover");
    popover.id = "bp-preview";
    popover.setAttribute("role", "tooltip");
    popover.hidden = true;
    document.body.appendChild(popover);

    var current = null; // the link whose preview is shown or coming
    var dismissed = null; // a link whose preview Escape closed, until it is left
    var showTimer = 0;
    var hideTimer = 0;
    var asked = 0; // request number, so a late answer for an old link is dropped

    function previewLink(node) {
      var link = node && node.closest ? node.closest(LINKS) : null;
      return link && main.contains(link) ? link : null;
    }

    function hide() {
      window.clearTimeout(showTimer);
      window.clearTimeout(hideTimer);
      asked += 1;
      if (current) {
        current.removeAttribute("aria-describedby");
      }
      current = null;
      popover.hidden = true;
      popover.classList.remove("preview-block");
    }

    function place(link) {
      var box = link.getBoundingClientRect();
      var body = document.body.getBoundingClientRect();
      var width = document.documentElement.clientWidth;
      var height = window.innerHeight;
      var own = popover.getBoundingClientRect();
      var left = Math.max(8, Math.min(box.left, width - own.width - 8));
      var top = box.bottom + 6;
      if (top + own.height > height - 8 && box.top - own.height - 6 >= 8) {
        top = box.top - own.height - 6;
      }
      popover.style.left = left - body.left + "px";
      popover.style.top = top - body.top + "px";
    }

    function show(link) {
      var target = linkTarget(link);
      if (!target) {
        return;
      }
      var ticket = (asked += 1);
      var isBlock = link.classList.contains("block-ref") && target.anchor !== "";
      previewRecord(target.file).then(
        function (record) {
          var parts = record && ticket === asked && current === link ? previewContent(record, target, isBlock) : null;
          if (!parts) {
            return;
          }
          popover.textContent = "";
          parts.forEach(function (part) {
            popover.appendChild(part);
          });
          popover.classList.toggle("preview-block", parts[0].className === "preview-context");
          popover.style.left = "0px";
          popover.style.top = "0px";
          popover.hidden = false;
          place(link);
          link.setAttribute("aria-describedby", popover.id);
        },
        function () {
          /* no preview data: the link works as before */
        }
      );
    }

    function intend(link) {
      window.clearTimeout(hideTimer);
      if (link === current || link === dismissed) {
        return;
      }
      hide();
      current = link;
      var target = linkTarget(link);
      if (target) {
        previewRecord(target.file).catch(function () {}); // start loading while the pointer rests
      }
      showTimer = window.setTimeout(function () {
        show(link);
      }, SHOW_DELAY);
    }

    function leave() {
      window.clearTimeout(showTimer);
      window.clearTimeout(hideTimer);
      hideTimer = window.setTimeout(hide, HIDE_DELAY);
    }

    document.addEventListener("pointerover", function (event) {
      if (event.pointerType === "touch") {
        return;
      }
      if (popover.contains(event.target)) {
        window.clearTimeout(hideTimer);
        return;
      }
      var link = previewLink(event.target);
      if (link) {
        intend(link);
      }
    });
    document.addEventListener("pointerout", function (event) {
      if (event.pointerType === "touch") {
        return;
      }
      var from = popover.contains(event.target) ? popover : previewLink(event.target);
      var to = event.relatedTarget;
      if (!from || (to && (from.contains(to) || popover.contains(to) || (current && current.contains(to))))) {
        return;
      }
      if (from === dismissed) {
        dismissed = null;
      }
      leave();
    });
    document.addEventListener("focusin", function (event) {
      var link = previewLink(event.target);
      var keyboard = false;
      try {
        keyboard = !!link && link.matches(":focus-visible");
      } catch (e) {
        keyboard = false;
      }
      if (keyboard) {
        intend(link);
      }
    });
    document.addEventListener("focusout", function (event) {
      if (event.target === dismissed) {
        dismissed = null;
      }
      if (event.target === current) {
        hide();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && current) {
        dismissed = current;
        hide();
      }
    });
    document.addEventListener("click", function (event) {
      if (previewLink(event.target)) {
        hide();
      }
    });
    window.addEventListener("resize", hide);
  }

  function init() {
    var steps = [setupThemeToggle, setupNav, setupCopyButtons, setupBlockTools, revealTarget, setupPrint, setupPreviews];
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
