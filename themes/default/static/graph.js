/* blockpress graph view: pan and zoom, neighbour highlighting and search for
 * the map on graph.html. A plain script (works from file://). The map is
 * complete without it: every node is already a link, and the filters are CSS.
 */
(function () {
  "use strict";

  function start() {
    var frame = document.querySelector(".graph-scroll");
    var svg = frame && frame.querySelector("svg.graph-map");
    if (!svg || !svg.getScreenCTM) return;
    var width = parseFloat(svg.getAttribute("width"));
    var height = parseFloat(svg.getAttribute("height"));
    if (!(width > 0 && height > 0)) return;

    frame.classList.add("graph-js");
    if (frame.parentNode) frame.parentNode.classList.add("graph-js-on");
    frame.style.height = Math.round(Math.min(window.innerHeight * 0.75, Math.max(height * 1.25 + 16, 360))) + "px";
    var view = { x: 0, y: 0, w: width, h: height };
    function apply() {
      svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (v) {
        return Math.round(v * 100) / 100;
      }).join(" "));
    }

    // Client coordinates -> map coordinates.
    function toMap(clientX, clientY) {
      var ctm = svg.getScreenCTM();
      if (!ctm) return { x: 0, y: 0 };
      var inv = ctm.inverse();
      return {
        x: inv.a * clientX + inv.c * clientY + inv.e,
        y: inv.b * clientX + inv.d * clientY + inv.f
      };
    }

    function zoom(factor, clientX, clientY) {
      var w = Math.min(Math.max(view.w * factor, width / 60), width * 2);
      factor = w / view.w;
      var p = clientX === undefined ? { x: view.x + view.w / 2, y: view.y + view.h / 2 } : toMap(clientX, clientY);
      view.x = p.x - (p.x - view.x) * factor;
      view.y = p.y - (p.y - view.y) * factor;
      view.w *= factor;
      view.h *= factor;
      apply();
    }

    // The whole map, enlarged at most 1.25 times (small maps stay small).
    function fit() {
      var box = frame.getBoundingClientRect();
      var scale = Math.min(box.width / width, box.height / height);
      var w = width;
      var h = height;
      if (scale > 1.25 || !(scale > 0)) {
        w = Math.max(box.width / 1.25, width);
        h = Math.max(box.height / 1.25, height);
      }
      view = { x: (width - w) / 2, y: (height - h) / 2, w: w, h: h };
      apply();
    }

    function centreOn(x, y, w) {
      var scale = w / view.w;
      view.w = w;
      view.h *= scale;
      view.x = x - view.w / 2;
      view.y = y - view.h / 2;
      apply();
    }

    frame.addEventListener("wheel", function (event) {
      event.preventDefault();
      var delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      zoom(Math.exp(delta * 0.0015), event.clientX, event.clientY);
    }, { passive: false });

    // Drag to pan; a drag does not follow the link it started on.
    var drag = null;
    var dragged = false;
    frame.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, id: event.pointerId };
      dragged = false;
    });
    frame.addEventListener("pointermove", function (event) {
      if (!drag || event.pointerId !== drag.id) return;
      var dx = event.clientX - drag.x;
      var dy = event.clientY - drag.y;
      if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!dragged) {
        dragged = true;
        frame.classList.add("dragging");
        try { frame.setPointerCapture(event.pointerId); } catch (e) { /* ignore */ }
      }
      var ctm = svg.getScreenCTM();
      var scale = ctm ? ctm.a : 1;
      view.x = drag.vx - dx / scale;
      view.y = drag.vy - dy / scale;
      apply();
    });
    function endDrag() {
      drag = null;
      frame.classList.remove("dragging");
    }
    frame.addEventListener("pointerup", endDrag);
    frame.addEventListener("pointercancel", endDrag);
    frame.addEventListener("click", function (event) {
      if (dragged) {
        event.preventDefault();
        dragged = false;
      }
    }, true);

    // Nodes (links around a circle), their labels (links in the label layer)
    // and their neighbours, from the drawn edges.
    var links = [];
    var labels = {};
    var byHref = {};
    Array.prototype.forEach.call(svg.querySelectorAll("a"), function (a) {
      if (a.querySelector("circle")) {
        byHref[a.getAttribute("href")] = links.length;
        links.push(a);
      } else {
        labels[a.getAttribute("href")] = a;
      }
    });
    var byPoint = {};
    links.forEach(function (a, i) {
      var c = a.querySelector("circle");
      byPoint[c.getAttribute("cx") + " " + c.getAttribute("cy")] = i;
    });
    var neighbours = links.map(function () { return []; });
    var edgeRe = /M([-\d.]+) ([-\d.]+)L([-\d.]+) ([-\d.]+)/g;
    Array.prototype.forEach.call(svg.querySelectorAll("path.e"), function (path) {
      var d = path.getAttribute("d") || "";
      var m;
      edgeRe.lastIndex = 0;
      while ((m = edgeRe.exec(d))) {
        var a = byPoint[m[1] + " " + m[2]];
        var b = byPoint[m[3] + " " + m[4]];
        if (a !== undefined && b !== undefined) {
          neighbours[a].push(b);
          neighbours[b].push(a);
        }
      }
    });
    var overlay = document.createElementNS("http://www.w3.org/2000/svg", "path");
    overlay.setAttribute("class", "e eh");
    svg.insertBefore(overlay, links[0] || null);

    var lit = [];
    function point(i) {
      var c = links[i].querySelector("circle");
      return c.getAttribute("cx") + " " + c.getAttribute("cy");
    }
    function clear() {
      lit.forEach(function (a) { a.classList.remove("hl", "nb"); });
      lit = [];
      svg.classList.remove("hovering");
      overlay.setAttribute("d", "");
    }
    function light(i, cls) {
      [links[i], labels[links[i].getAttribute("href")]].forEach(function (a) {
        if (a) {
          a.classList.add(cls);
          lit.push(a);
        }
      });
    }
    function highlight(i) {
      clear();
      light(i, "hl");
      var d = "";
      neighbours[i].forEach(function (j) {
        light(j, "nb");
        d += "M" + point(i) + "L" + point(j);
      });
      overlay.setAttribute("d", d);
      svg.classList.add("hovering");
    }
    function indexOf(target) {
      var a = target && target.closest ? target.closest("a") : null;
      var i = a ? byHref[a.getAttribute("href")] : undefined;
      return i === undefined ? -1 : i;
    }
    svg.addEventListener("pointerover", function (event) {
      if (drag && dragged) return;
      var i = indexOf(event.target);
      if (i >= 0) highlight(i);
    });
    svg.addEventListener("pointerout", function (event) {
      if (indexOf(event.relatedTarget) < 0) clear();
    });
    svg.addEventListener("focusin", function (event) {
      var i = indexOf(event.target);
      if (i >= 0) highlight(i);
    });
    svg.addEventListener("focusout", clear);

    // Tools: search-to-focus and zoom buttons.
    var tools = document.querySelector(".graph-tools");
    if (tools) {
      var names = links.map(function (a) {
        var t = a.querySelector("title");
        return t ? t.textContent.toLowerCase() : "";
      });
      var search = document.createElement("input");
      search.type = "search";
      search.placeholder = "Find a page on the map";
      search.setAttribute("aria-label", "Find a page on the map");
      var found = -1;
      search.addEventListener("input", function () {
        var q = search.value.trim().toLowerCase();
        if (found >= 0) links[found].classList.remove("found");
        found = -1;
        if (!q) return;
        for (var i = 0; i < names.length; i++) {
          if (names[i].indexOf(q) === 0) { found = i; break; }
          if (found < 0 && names[i].indexOf(q) >= 0) found = i;
        }
        if (found < 0) return;
        links[found].classList.add("found");
        var c = links[found].querySelector("circle");
        centreOn(parseFloat(c.getAttribute("cx")), parseFloat(c.getAttribute("cy")), Math.min(view.w, width / 3));
        highlight(found);
      });
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && found >= 0) {
          event.preventDefault();
          window.location.href = links[found].getAttribute("href");
        }
      });
      tools.appendChild(search);
      [["+", "Zoom in", function () { zoom(1 / 1.5); }],
       ["\u2212", "Zoom out", function () { zoom(1.5); }],
       ["Fit", "Show the whole map", fit]].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "tool-button";
        button.textContent = spec[0];
        button.title = spec[1];
        button.setAttribute("aria-label", spec[1]);
        button.addEventListener("click", spec[2]);
        tools.appendChild(button);
      });
    }
    fit();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
