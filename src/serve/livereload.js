// blockpress serve: live reload. Served only by `blockpress serve` (never part
// of a built site). Listens to /__blockpress/events; reloads this tab when its
// page changed (keeping the scroll position), swaps stylesheets in place when
// only CSS changed, and shows build errors and warnings over the page.
(function () {
  "use strict";
  var script = document.currentScript;
  var version = script ? Number(script.getAttribute("data-version")) || 0 : 0;
  var scrollKey = "blockpress-serve-scroll:" + location.pathname;
  var overlay = null;
  var dismissedWarnings = "";

  function pagePath() {
    var path = decodeURIComponent(location.pathname).replace(/^\/+/, "");
    if (path === "" || path.slice(-1) === "/") path += "index.html";
    return path;
  }

  function restoreScroll() {
    try {
      var saved = sessionStorage.getItem(scrollKey);
      if (saved === null) return;
      sessionStorage.removeItem(scrollKey);
      var pos = JSON.parse(saved);
      window.scrollTo(pos[0], pos[1]);
    } catch (e) { /* storage may be disabled */ }
  }

  function reload() {
    try {
      sessionStorage.setItem(scrollKey, JSON.stringify([window.scrollX, window.scrollY]));
    } catch (e) { /* storage may be disabled */ }
    location.reload();
  }

  // The site-relative path an element's URL points at, or "".
  function sitePath(url) {
    try {
      var u = new URL(url, location.href);
      if (u.origin !== location.origin) return "";
      return decodeURIComponent(u.pathname).replace(/^\/+/, "");
    } catch (e) {
      return "";
    }
  }

  function swapStylesheets(changed) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    var swapped = false;
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      if (changed.indexOf(sitePath(link.href)) < 0) continue;
      var fresh = link.cloneNode();
      var base = link.href.split("?")[0];
      fresh.href = base + "?v=" + Date.now();
      fresh.onload = (function (old) { return function () { old.remove(); }; })(link);
      link.parentNode.insertBefore(fresh, link.nextSibling);
      swapped = true;
    }
    return swapped;
  }

  function usesAny(changed) {
    var nodes = document.querySelectorAll("[src],link[href]");
    for (var i = 0; i < nodes.length; i++) {
      var url = nodes[i].getAttribute("src") || nodes[i].getAttribute("href");
      if (changed.indexOf(sitePath(nodes[i].src || nodes[i].href || url)) >= 0) return true;
    }
    return false;
  }

  function apply(changed, stale) {
    if (!changed.length) return;
    var here = pagePath();
    if (stale || changed.indexOf(here) >= 0) return reload();
    var css = changed.filter(function (p) { return /\.css$/i.test(p); });
    var other = changed.filter(function (p) { return !/\.css$/i.test(p); });
    if (css.length) swapStylesheets(css);
    // Scripts, images and other files this page uses; html of other pages does not matter.
    var used = other.filter(function (p) { return !/\.html?$/i.test(p); });
    if (used.length && usesAny(used)) reload();
  }

  function line(item) {
    var where = item.file || "";
    if (item.line) where += ":" + item.line;
    return (where ? where + ": " : "") + item.message;
  }

  function showOverlay(errors, warnings) {
    var key = JSON.stringify(warnings);
    if (!errors.length && (!warnings.length || key === dismissedWarnings)) {
      if (overlay) overlay.remove();
      overlay = null;
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "blockpress-serve-overlay";
      overlay.setAttribute("role", "alert");
      document.body.appendChild(overlay);
    }
    var bad = errors.length > 0;
    overlay.style.cssText =
      "position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:2147483647;max-height:50vh;overflow:auto;" +
      "font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:.8rem 1rem;" +
      "border-radius:6px;box-shadow:0 4px 24px rgba(0,0,0,.35);white-space:pre-wrap;" +
      (bad ? "background:#2b0d0d;color:#ffd7d7;border:2px solid #e5484d;"
           : "background:#2b230d;color:#fff1c2;border:2px solid #d9a400;");
    overlay.textContent = "";
    var title = document.createElement("strong");
    title.textContent = bad
      ? "blockpress: the site could not be rebuilt; showing the last good version"
      : "blockpress: warnings in the files you changed";
    overlay.appendChild(title);
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Dismiss");
    close.style.cssText = "float:right;background:none;border:0;color:inherit;font-size:18px;cursor:pointer";
    close.onclick = function () {
      dismissedWarnings = key;
      if (overlay) overlay.remove();
      overlay = null;
    };
    overlay.appendChild(close);
    var list = document.createElement("ul");
    list.style.cssText = "margin:.5rem 0 0;padding-left:1.2rem";
    errors.concat(warnings).forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = line(item);
      list.appendChild(li);
    });
    overlay.appendChild(list);
  }

  function connect() {
    if (!window.EventSource) return;
    var source = new EventSource("/__blockpress/events?v=" + version);
    source.onmessage = function (event) {
      var msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      var changed = msg.changed || [];
      version = msg.version;
      showOverlay(msg.errors || [], msg.warnings || []);
      if (!(msg.errors || []).length) apply(changed, msg.stale);
    };
  }

  restoreScroll();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
