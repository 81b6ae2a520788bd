#!/usr/bin/env node
// Oracle for tests/differential.rs: what Logseq 0.10 derives from a Markdown
// page, computed from the AST of Logseq's own parser (npm `mldoc` 1.5.7).
//
//   node tests/mldoc/outline.js FILE.md|FILE.org [FILE ...]
//
// Prints one JSON array, one entry per file, in argument order:
//
//   { "file", "blank",                  // blank file: Logseq makes no blocks at all
//     "page_properties": [[key, value]], // from a Property_Drawer that is the FIRST AST node
//     "blocks": [{
//       "line",          // 1-based start line (from the byte offset start_pos)
//       "level",         // mldoc's level (indent chars + 1); 1 for the pre-block
//       "parent",        // index into blocks, null for top-level (with-parent-and-left)
//       "pre_block",     // graph-parser's pre-block? flag (false when it has `heading::`)
//       "heading",       // Heading size (`#` count) or null
//       "properties": [[key, value]],  // first Property_Drawer after the Heading, valid keys only
//       "invalid_properties": [key],
//       "marker", "priority",
//       "refs": [{"name", "kind"}],          // page refs graph-parser records from title + body
//       "dropped_refs": [{"name", "kind", "why"}] // refs graph-parser loses, why:
//           "timestamp_paragraph": in a paragraph starting with SCHEDULED/DEADLINE,
//                                  which extract-blocks takes out of the body;
//           "asset_path" / "draw_path": a [[name]] matching `^[./]*assets` / `draws`
//                                  (common-config local-asset? / draw?)
//     }] }
// "kind" is page_ref, tag, nested, embed, search_page_ref or file_label.
//
// The block/graph rules follow logseq/logseq 0.10 deps/graph-parser
// (extract.cljc `extract`, block.cljs `extract-blocks`, `with-pre-block-if-exists`,
// `with-parent-and-left`, `extract-properties`, `get-page-reference`, `get-tag`);
// see the shared logseq-format.md §2, §3, §5, §9. Left out on purpose: marker and
// priority pages, namespace parents (`a/b` -> `a`), property refs and property
// pages, block refs, the implicit `heading` property of `#` headings, and page
// properties from `#+KEY:` directives / YAML front matter (mldoc.cljc
// collect-page-properties), which the corpus does not use.
"use strict";

const fs = require("fs");
const path = require("path");
const { Mldoc } = require(path.join(__dirname, "node_modules", "mldoc"));

// Logseq's config for Markdown files (logseq-format.md §15.11); Org files
// (`.org`) are parsed the same way with `format: "Org"`.
const configFor = (format) =>
  JSON.stringify({
    toc: false,
    parse_outline_only: false,
    heading_number: false,
    keep_line_break: true,
    format,
    heading_to_list: false,
  });

const isNode = (x, type) => Array.isArray(x) && x[0] === type;

// ---------------------------------------------------------------- properties

// Key normalisation of block.cljs/extract-properties.
function normalizeKey(k) {
  return k.toLowerCase().replace(/ /g, "-").replace(/_/g, "-");
}

// property.cljs/valid-property-name? on ":" + key: the string must read as an
// EDN keyword (`(edn/read-string (str "{:" key " nil}"))`), contain none of
// `"|^(){}` and not start with `#`. The EDN reading is emulated: the keyword
// token runs to whitespace/`,` or a terminating char (`" ; ^ ( ) [ ] { } \`),
// anything left over makes the map unreadable (approximation: an even number
// of extra forms would read), and the token must be a valid symbol name.
function validPropertyName(key) {
  if (key.length === 0 || /["|^(){}]/.test(key) || key.startsWith("#")) return false;
  const m = /^[\s\S][^\s,";^()[\]{}\\]*/.exec(key);
  const token = m[0];
  if (token.length !== key.length || /\s|,/.test(token[0])) return false;
  if (token.includes("::") || token.endsWith(":")) return false;
  const slash = token.indexOf("/");
  if (slash > 0) {
    const ns = token.slice(0, slash);
    const name = token.slice(slash + 1);
    if (name === "" || /^[0-9]/.test(name) || ns.endsWith(":")) return false;
    return name === "/" || !name.includes("/");
  }
  return token === "/" || slash === -1;
}

// [[key, value]] of one Property_Drawer: valid keys normalised, the value as
// written (trimmed); a repeated key keeps its first position and last value
// (`(into {} ...)` of an array map).
function drawerProperties(drawer) {
  const props = [];
  const invalid = [];
  for (const [rawKey, value] of drawer[1]) {
    let key = normalizeKey(rawKey);
    if (!validPropertyName(key)) {
      invalid.push(key);
      continue;
    }
    if (key === "custom-id") key = "id";
    const v = String(value).trim();
    const at = props.findIndex((p) => p[0] === key);
    if (at >= 0) props[at][1] = v;
    else props.push([key, v]);
  }
  return { props, invalid };
}

// ---------------------------------------------------------------------- refs

// page-ref/get-page-name as used by `page-ref-un-brackets!`.
function unBrackets(s) {
  let m = /^\[(.*)\]\(file:.*\)$/.exec(s);
  if (m) return m[1].trim();
  m = /^\[\[(file:.*)\]\[.+?\]\]$/.exec(s);
  if (m) return path.basename(m[1], path.extname(m[1])).replace(/\./g, "/");
  m = /^\[\[(.*)\]\]$/.exec(s);
  if (m) return m[1];
  return s;
}

const isPageRefText = (s) => typeof s === "string" && s.startsWith("[[") && s.endsWith("]]");
const localAsset = (s) => /^[./]*assets/.test(s);
const draw = (s) => s.startsWith("draws");

// block.cljs/get-tag.
function tagText(node) {
  return node[1]
    .map(([elem, value]) => {
      if (elem === "Plain") return value;
      if (elem === "Link") return value.full_text;
      if (elem === "Nested_link") return value.content;
      return "";
    })
    .join("");
}

// block.cljs/get-page-reference for one AST node: {name, kind} or a dropped
// ref {name, kind, why}, or null.
function pageReference(node, org) {
  if (isNode(node, "Link")) {
    const [type, value] = node[1].url;
    if (type === "Page_ref" && typeof value === "string") {
      if (localAsset(value)) return { name: value, kind: "page_ref", why: "asset_path" };
      if (draw(value)) return { name: value, kind: "page_ref", why: "draw_path" };
      return { name: value, kind: "page_ref" };
    }
    if (type === "Search" && isPageRefText(value)) return { name: unBrackets(value), kind: "search_page_ref" };
    // An Org `[[target][label]]` to anything but a URL, a file, an asset or a
    // place in the file (`#`, `*`, `/`, `[`) names a page.
    if (
      org &&
      type === "Search" &&
      typeof value === "string" &&
      !"#*/[".includes(value[0]) &&
      !/^(https?|file):/.test(value) &&
      !localAsset(value) &&
      !/\.(md|markdown|org)$/i.test(value)
    )
      return { name: value, kind: "search_page_ref" };
    if (type === "File") {
      const first = node[1].label[0];
      if (first && typeof first[1] === "string") return { name: first[1], kind: "file_label" };
    }
    return null;
  }
  if (isNode(node, "Nested_link")) {
    const content = node[1].content;
    return { name: content.slice(2, content.length - 2), kind: "nested" };
  }
  if (isNode(node, "Macro")) {
    const { name, arguments: args } = node[1];
    const arg = (args || []).join(", ");
    if (name === "embed" && isPageRefText(arg)) return { name: unBrackets(arg), kind: "embed" };
    return null;
  }
  if (isNode(node, "Tag")) return { name: unBrackets(tagText(node)), kind: "tag" };
  return null;
}

// clojure.walk/prewalk over title + body, as `with-page-refs-and-tags`; a
// `Custom "query"` node is replaced by nil, so nothing under it is visited.
function collectRefs(forms, out, why, org) {
  const visit = (x) => {
    if (Array.isArray(x)) {
      if (x[0] === "Custom" && x[1] === "query") return;
      const ref = pageReference(x, org);
      if (ref) {
        if (why && !ref.why) ref.why = why;
        out.push(ref);
      }
      x.forEach(visit);
    } else if (x && typeof x === "object") {
      Object.values(x).forEach(visit);
    }
  };
  forms.forEach(visit);
}

// ------------------------------------------------------------------- outline

// block.cljs/paragraph-timestamp-block?: such a paragraph is taken out of the
// body (SCHEDULED/DEADLINE), with everything else it holds.
function paragraphTimestamp(node) {
  return isNode(node, "Paragraph") && (isNode(node[1][0], "Timestamp") || isNode(node[1][1], "Timestamp"));
}

// mldoc.cljc/collect-page-properties for Org: `#+key: value` directives are
// the page's properties (keys lower-cased). Only those before the first
// headline are taken here (the corpus has none elsewhere).
function directiveProperties(ast) {
  const props = [];
  for (const [node] of ast) {
    if (isNode(node, "Heading")) break;
    if (!isNode(node, "Directive")) continue;
    const key = normalizeKey(node[1]);
    const value = String(node[2]).trim();
    if (value === "" || !validPropertyName(key)) continue;
    const at = props.findIndex((p) => p[0] === key);
    if (at >= 0) props[at][1] = value;
    else props.push([key, value]);
  }
  return props;
}

function outline(text, org) {
  // extract.cljc/extract: a blank file gives no page data at all.
  if (/^\s*$/.test(text)) return { blank: true, page_properties: [], blocks: [] };
  const ast = JSON.parse(Mldoc.parseJson(text, configFor(org ? "Org" : "Markdown")));
  const bytes = Buffer.from(text, "utf8");
  const lineOf = (pos) => {
    let line = 1;
    for (let i = 0; i < pos && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
    return line;
  };

  // Split the flat AST at Headings; nodes before the first go to the pre-block.
  const pre = { nodes: [] };
  const groups = [];
  let current = pre;
  for (const [node, pos] of ast) {
    if (isNode(node, "Heading")) {
      current = { heading: node[1], pos, nodes: [] };
      groups.push(current);
    } else {
      current.nodes.push(node);
    }
  }

  const blockOf = (nodes, title) => {
    // Walking the AST backwards, each drawer overwrites the properties: the
    // first one after the Heading wins, later ones are dropped entirely.
    const drawer = nodes.find((n) => isNode(n, "Property_Drawer") || isNode(n, "Properties"));
    const { props, invalid } = drawer ? drawerProperties(drawer) : { props: [], invalid: [] };
    const body = nodes.filter(
      (n) => !isNode(n, "Property_Drawer") && !isNode(n, "Properties") && !paragraphTimestamp(n),
    );
    const found = [];
    collectRefs(title.concat(body), found, null, org);
    collectRefs(nodes.filter(paragraphTimestamp), found, "timestamp_paragraph", org);
    return {
      properties: props,
      invalid_properties: invalid,
      refs: found.filter((r) => !r.why),
      dropped_refs: found.filter((r) => r.why),
    };
  };

  const blocks = [];
  // with-pre-block-if-exists: content before the first Heading, or no Heading.
  const directives = org ? directiveProperties(ast) : [];
  if (groups.length === 0 || groups[0].pos.start_pos > 0) {
    const b = blockOf(pre.nodes, []);
    // An Org pre-block holds the page's directives as its properties.
    if (org && b.properties.length === 0) b.properties = directives;
    // `(if (:heading properties) false true)`; "false" parses to false.
    const heading = b.properties.some(([k, v]) => k === "heading" && v !== "false");
    blocks.push({ line: 1, level: 1, pre_block: !heading, heading: null, marker: null, priority: null, ...b });
  }
  for (const g of groups) {
    const h = g.heading;
    // construct-block: a bare Markdown `#` heading (`unordered: false`) is level 1.
    const level = h.size != null && !h.unordered ? 1 : h.level;
    blocks.push({
      line: lineOf(g.pos.start_pos),
      level,
      pre_block: false,
      heading: h.size,
      marker: h.marker || null,
      priority: h.priority || null,
      ...blockOf(g.nodes, h.title || []),
    });
  }
  nest(blocks);

  // extract.cljc: page properties only when the first AST node is a drawer.
  const first = ast.length > 0 ? ast[0][0] : null;
  let pageProperties = isNode(first, "Property_Drawer") ? drawerProperties(first).props : [];
  if (org && pageProperties.length === 0) pageProperties = directives;
  return { blank: false, page_properties: pageProperties, blocks };
}

// block.cljs/with-parent-and-left. `parents` is the chain of open ancestors,
// starting with the page (level 0); each block's level-spaces is its level.
function nest(blocks) {
  const parents = [{ index: null, spaces: 0, parent: null }];
  for (let i = 0; i < blocks.length; ) {
    const spaces = blocks[i].level;
    const last = parents[parents.length - 1];
    if (spaces === last.spaces) {
      // sibling of the last open block
      blocks[i].parent = last.parent;
      parents[parents.length - 1] = { index: i, spaces, parent: last.parent };
      i++;
    } else if (spaces > last.spaces) {
      // child, however much deeper
      blocks[i].parent = last.index;
      parents.push({ index: i, spaces, parent: last.index });
      i++;
    } else if (parents.some((p) => p.spaces === spaces)) {
      // outdent to an open ancestor's level: pop, then place again
      while (parents[parents.length - 1].spaces > spaces) parents.pop();
    } else {
      // no open ancestor at this level: snap to a sibling of the first
      // ancestor deeper than it, taking that ancestor's level-spaces
      const split = parents.findIndex((p) => p.spaces > spaces);
      const left = parents[split];
      const parent = parents[split - 1].index;
      blocks[i].parent = parent;
      parents.length = split;
      parents.push({ index: i, spaces: left.spaces, parent });
      i++;
    }
  }
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: node outline.js FILE.md [FILE.md ...]\n");
  process.exit(2);
}
const result = files.map((file) => ({
  file,
  ...outline(fs.readFileSync(file, "utf8"), path.extname(file).toLowerCase() === ".org"),
}));
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
