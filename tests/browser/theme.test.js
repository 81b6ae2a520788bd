#!/usr/bin/env node
// Real-browser tests of the default theme, run by tests/theme.rs:
//
//   node tests/browser/theme.test.js CONFIG_JSON
//
// CONFIG_JSON (written by the Rust test) names the suite and what it needs:
//
//   {"suite": "matrix",  "site": DIR, "pages": [...], "screenshots": DIR}
//   {"suite": "nojs",    "site": DIR, "pages": [...], "screenshots": DIR}
//   {"suite": "preview", "site": DIR, "fixture": DIR, "expect": {...}}
//
// Pages are opened from file:// in headless Debian chromium (never a
// downloaded browser). Every page load fails on a console error, a page
// error, a failed request or a request that leaves file://. Exit code 0 when
// every check passes, 1 when one fails, 2 when the browser cannot start (the
// Rust test reports that as skipped unless CI is set).
"use strict";

const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

const { CHROMIUM, launch, requestProblem } = require("./chromium");

const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
};
const SCHEMES = ["light", "dark"];

const { check, finish } = require("./tap");

function fileUrl(site, file) {
  return pathToFileURL(path.join(site, file)).href;
}

function stem(file) {
  return file.replace(/\.html$/, "").replace(/[^a-z0-9-]+/gi, "-");
}

/** A browser context and page that record every problem of the loads it makes. */
async function open(browser, options) {
  const context = await browser.newContext({ deviceScaleFactor: 1, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.loaded = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") page.problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (error) => page.problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    const problem = requestProblem(request);
    if (problem) page.problems.push(problem);
  });
  page.on("request", (request) => {
    const url = request.url();
    page.loaded.push(url);
    if (!/^(file|data|about|blob):/.test(url)) page.problems.push(`left file://: ${url}`);
  });
  return { context, page };
}

/** Checks that a page's loads so far had no problem, then forgets them. */
function noProblems(page, label) {
  check(`${label}: no console errors, page errors or failed requests`, page.problems.length === 0, page.problems.join("; "));
  page.problems.length = 0;
}

/* ---- Sideways overflow ----------------------------------------------- */

/** Elements sticking out of the viewport sideways, outside code, diagrams and
 * anything that scrolls or clips on its own. */
async function overflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrolling = document.scrollingElement;
    const out = [];
    if (scrolling.scrollWidth > window.innerWidth) {
      out.push(`document scrollWidth ${scrolling.scrollWidth} > innerWidth ${window.innerWidth}`);
    }
    const exempt = (el) => {
      for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
        if (node.matches("pre, figure.diagram")) return true;
        if (getComputedStyle(node).overflowX !== "visible") return true; // scrolls or clips on its own
      }
      return false;
    };
    for (const el of document.body.querySelectorAll("*")) {
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden" || el.closest(".visually-hidden")) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if ((box.right > width + 0.5 || box.left < -0.5) && !exempt(el)) {
        const name = el.tagName.toLowerCase() + (el.id ? `#${el.id}` : "") + (el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : "");
        out.push(`${name} spans ${Math.round(box.left)}..${Math.round(box.right)} of ${width}`);
        if (out.length > 8) break;
      }
    }
    return out;
  });
}

/** Pairs of header controls that overlap (the menu button sits over the header's corner). */
async function headerOverlaps(page) {
  return page.evaluate(() => {
    const boxes = [".site-title", ".search-input", ".theme-toggle", ".nav-toggle"]
      .map((s) => [s, document.querySelector(s)])
      .filter(([, el]) => el && el.getClientRects().length)
      .map(([s, el]) => [s, el.getBoundingClientRect()]);
    const out = [];
    boxes.forEach(([a, p], i) =>
      boxes.slice(i + 1).forEach(([b, q]) => {
        if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) out.push(`${a} overlaps ${b}`);
      })
    );
    return out;
  });
}

/* ---- Colour contrast (WCAG AA) --------------------------------------- */

/** Text whose colour is below WCAG AA contrast against its background:
 * {text: [...], code: [...]}, code being syntax-highlighted tokens (their
 * colours come from src/render/highlight.rs, not from the theme). */
async function lowContrast(page) {
  return page.evaluate(() => {
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const over = (top, bottom) => ({
      r: top.r * top.a + bottom.r * (1 - top.a),
      g: top.g * top.a + bottom.g * (1 - top.a),
      b: top.b * top.a + bottom.b * (1 - top.a),
      a: 1,
    });
    const background = (el) => {
      const layers = [];
      for (let node = el; node; node = node.parentElement) {
        const bg = parse(getComputedStyle(node).backgroundColor);
        if (bg && bg.a > 0) {
          layers.push(bg);
          if (bg.a >= 1) break;
        }
      }
      let colour = { r: 255, g: 255, b: 255, a: 1 };
      if (layers.length && layers[layers.length - 1].a >= 1) colour = layers.pop();
      while (layers.length) colour = over(layers.pop(), colour);
      return colour;
    };
    const luminance = (c) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      };
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const ratio = (a, b) => {
      const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const out = { text: [], code: [] };
    const seen = new Set();
    for (const el of document.body.querySelectorAll("*")) {
      const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || el.closest(".visually-hidden, svg")) continue;
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden" || Number(style.opacity) === 0) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const fg = parse(style.color);
      if (!fg) continue;
      const bg = background(el);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      const needed = large ? 3 : 4.5;
      const value = ratio(fg.a < 1 ? over(fg, bg) : fg, bg);
      if (value < needed) {
        const name = el.tagName.toLowerCase() + (typeof el.className === "string" && el.className ? `.${el.className.trim().split(/\s+/).join(".")}` : "");
        const key = `${name} ${style.color} on ${JSON.stringify(bg)}`;
        if (!seen.has(key)) {
          seen.add(key);
          const token = /(^| )hl-/.test(typeof el.className === "string" ? el.className : "") && el.closest("pre.code");
          (token ? out.code : out.text).push(`${name} "${el.textContent.trim().slice(0, 30)}" ${style.color} ${value.toFixed(2)} < ${needed}`);
        }
      }
    }
    return out;
  });
}

/* ---- Suite: light/dark × desktop/phone ------------------------------- */

async function collapsedBlockOpens(page, label) {
  // Locators are lazy: pin the first closed block, or a click would move on to the next one.
  const found = await page.evaluate(() => {
    const first = document.querySelector("details.block-collapse:not([open])");
    if (first) first.setAttribute("data-test-pinned", "");
    return !!first;
  });
  if (!check(`${label}: has a collapsed block`, found)) return;
  const details = page.locator("details[data-test-pinned]");
  const summary = details.locator(":scope > summary");
  const inside = details.locator(":scope > ol > li, :scope > ul > li").first();
  check(`${label}: the collapsed block's children are hidden`, !(await inside.isVisible()));
  await summary.scrollIntoViewIfNeeded();
  await summary.click();
  const open = await details.evaluate((d) => d.open);
  check(`${label}: a collapsed block opens on click`, open && (await inside.isVisible()));
  const problems = await overflow(page);
  check(`${label}: nothing overflows sideways with the block open`, problems.length === 0, problems.join("; "));
  await summary.click();
  check(`${label}: and closes again`, !(await details.evaluate((d) => d.open)));
}

async function schemeApplies(page, scheme, label) {
  const dark = await page.evaluate(() => {
    const m = getComputedStyle(document.body).backgroundColor.match(/\d+(\.\d+)?/g).map(Number);
    return 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2] < 128;
  });
  check(`${label}: the page is ${scheme}`, dark === (scheme === "dark"));
}

async function phoneMenu(page, label) {
  const toggle = page.locator(".nav-toggle");
  if (!(await toggle.isVisible())) {
    check(`${label}: the menu button shows on a phone`, false);
    return;
  }
  const link = page.locator(".site-nav .nav-main a").first();
  check(`${label}: the sidebar is folded into the menu`, !(await link.isVisible()));
  await toggle.click();
  check(`${label}: the menu opens`, await link.isVisible());
  const problems = await overflow(page);
  check(`${label}: nothing overflows sideways with the menu open`, problems.length === 0, problems.join("; "));
  await toggle.click();
}

async function themeToggle(page, label) {
  const button = page.locator(".theme-toggle");
  check(`${label}: the theme toggle shows with JavaScript`, await button.isVisible());
  await button.click();
  const chosen = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
  check(`${label}: the toggle switches to dark`, chosen === "dark", chosen);
  // Chromium commits localStorage to the browser process asynchronously: a
  // reload a few milliseconds after the click may start before the write is
  // visible (seen once in CI). Reload until it shows, for at most 2 s.
  let kept = null;
  for (let tries = 0; tries < 10 && kept !== "dark"; tries++) {
    if (tries > 0) await page.waitForTimeout(200);
    await page.reload();
    kept = await page.evaluate(() => document.documentElement.getAttribute("data-theme"));
  }
  check(`${label}: the choice persists across pages`, kept === "dark", kept);
  await page.locator(".theme-toggle").click();
}

async function skipLink(page, label) {
  await page.keyboard.press("Tab");
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    const box = el.getBoundingClientRect();
    return { cls: el.className, inside: box.top >= 0 && box.left >= 0 && box.right <= innerWidth, outline: getComputedStyle(el).outlineStyle };
  });
  check(`${label}: Tab first reaches a visible "Skip to content" link`, focus.cls === "skip-link" && focus.inside, JSON.stringify(focus));
}

// Highlighted code below AA (src/render/highlight.rs adjusts the palette).
const codeContrast = new Set();

/** The checks themselves must be able to fail: plant a wide box and pale text. */
async function checkersWork(browser, config) {
  const { context, page } = await open(browser, VIEWPORTS.phone);
  try {
    await page.goto(fileUrl(config.site, "k8s.html"));
    await page.evaluate(() => {
      const wide = document.createElement("p");
      wide.style.cssText = "width: 900px; color: #bbb";
      wide.textContent = "planted";
      document.querySelector("main").appendChild(wide);
    });
    const wide = await overflow(page);
    check("the overflow check finds a planted wide box", wide.some((p) => p.startsWith("p ")), wide.join("; "));
    const pale = await lowContrast(page);
    check("the contrast check finds planted pale text", pale.text.some((p) => p.includes("planted")), pale.text.join("; "));
    page.problems.length = 0;
  } finally {
    await context.close();
  }
}

async function matrix(browser, config) {
  fs.mkdirSync(config.screenshots, { recursive: true });
  await checkersWork(browser, config);
  for (const file of config.pages) {
    for (const scheme of SCHEMES) {
      for (const [name, options] of Object.entries(VIEWPORTS)) {
        const label = `${file} ${scheme} ${name}`;
        const { context, page } = await open(browser, { ...options, colorScheme: scheme });
        try {
          await page.goto(fileUrl(config.site, file), { waitUntil: "load" });
          await page.evaluate(() => document.fonts && document.fonts.ready);
          await schemeApplies(page, scheme, label);
          const problems = await overflow(page);
          check(`${label}: nothing overflows sideways (but code and diagrams)`, problems.length === 0, problems.join("; "));
          const overlaps = await headerOverlaps(page);
          check(`${label}: the header's controls do not overlap`, overlaps.length === 0, overlaps.join("; "));
          const contrast = await lowContrast(page);
          check(`${label}: text contrast is WCAG AA`, contrast.text.length === 0, contrast.text.slice(0, 6).join("; "));
          if (contrast.code.length) {
            codeContrast.add(`${scheme}: ${contrast.code.join("; ")}`);
          }
          await page.screenshot({ path: path.join(config.screenshots, `${stem(file)}-${scheme}-${name}.png`), fullPage: true });
          if (name === "desktop" && scheme === "light" && file === "k8s.html") {
            await skipLink(page, label);
            await themeToggle(page, label);
          }
          if (file === "k8s.html") await collapsedBlockOpens(page, label);
          if (name === "phone") await phoneMenu(page, label);
          noProblems(page, label);
        } catch (error) {
          check(label, false, error.message.split("\n")[0]);
        } finally {
          await context.close();
        }
      }
    }
  }
  for (const line of codeContrast) {
    console.log(`# highlighted code below WCAG AA, ${line}`);
  }
  check("highlighted code contrast is WCAG AA", codeContrast.size === 0);
}

/* ---- Suite: JavaScript disabled -------------------------------------- */

async function nojs(browser, config) {
  fs.mkdirSync(config.screenshots, { recursive: true });
  for (const file of config.pages) {
    for (const [name, options] of Object.entries(VIEWPORTS)) {
      const label = `${file} without JavaScript ${name}`;
      const { context, page } = await open(browser, { ...options, javaScriptEnabled: false, colorScheme: "light" });
      try {
        await page.goto(fileUrl(config.site, file), { waitUntil: "load" });
        const main = await page.evaluate(() => {
          const el = document.querySelector("main#content");
          return { text: el ? el.innerText.trim().length : 0, h1: !!document.querySelector("main h1") };
        });
        check(`${label}: the main content is there`, main.text > 30 && main.h1, JSON.stringify(main));
        const links = page.locator(".site-nav a[href]");
        const count = await links.count();
        check(`${label}: the sidebar has its links`, count >= 5, count);
        if (name === "phone") {
          await page.locator(".nav-toggle").click();
        }
        check(`${label}: the sidebar links can be seen`, await links.first().isVisible());
        const problems = await overflow(page);
        check(`${label}: nothing overflows sideways`, problems.length === 0, problems.join("; "));
        const overlaps = await headerOverlaps(page);
        check(`${label}: the header's controls do not overlap`, overlaps.length === 0, overlaps.join("; "));
        if (file === "k8s.html") {
          const closed = page.locator("details.block-collapse:not([open])");
          const hidden = await closed.evaluateAll((all) => all.map((d) => d.textContent.trim().length));
          check(`${label}: collapsed blocks are in the page`, hidden.length > 0 && hidden.every((n) => n > 0), JSON.stringify(hidden));
          const text = await page.locator("main").innerText();
          const missing = config.k8s_words.filter((w) => !text.includes(w));
          check(`${label}: the K8s notes read in full`, missing.length === 0, missing.join(", "));
          await collapsedBlockOpens(page, label);
          check(`${label}: enhancements stay away`, (await page.locator(".copy-button, .block-tools, .preview-popover").count()) === 0);
          check(`${label}: the theme toggle is hidden`, !(await page.locator(".theme-toggle").isVisible()));
        }
        if (name === "phone") await page.locator(".nav-toggle").click();
        // The sidebar is sticky: shoot from the top, as a reader first sees the page.
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.mouse.move(0, 0);
        await page.screenshot({ path: path.join(config.screenshots, `${stem(file)}-nojs-${name}.png`), fullPage: true });
        noProblems(page, label);
      } catch (error) {
        check(label, false, error.message.split("\n")[0]);
      } finally {
        await context.close();
      }
    }
  }
}

/* ---- Suite: hover previews ------------------------------------------- */

/** Hovers `link` and waits for the preview; returns its text or null. */
async function hoverPreview(page, link) {
  await link.scrollIntoViewIfNeeded();
  await link.hover();
  const popover = page.locator("#bp-preview[role=tooltip]");
  try {
    await popover.waitFor({ state: "visible", timeout: 3000 });
  } catch (e) {
    return null;
  }
  return popover.innerText();
}

async function moveAway(page) {
  await page.mouse.move(1, 790);
  await page.locator("#bp-preview").waitFor({ state: "hidden", timeout: 3000 });
}

async function layout(page) {
  return page.evaluate(() => {
    const box = document.querySelector("main").getBoundingClientRect();
    const scrolling = document.scrollingElement;
    return JSON.stringify([box.top + scrollY, box.left, box.width, box.height, scrolling.scrollWidth, scrolling.scrollHeight]);
  });
}

async function previewOnDefaultSite(browser, config) {
  const label = "k8s.html preview";
  const { context, page } = await open(browser, { ...VIEWPORTS.desktop, colorScheme: "light" });
  try {
    await page.goto(fileUrl(config.site, "k8s.html"));
    const early = page.loaded.filter((u) => u.includes("/preview/"));
    check(`${label}: viewing a page loads no preview data`, early.length === 0, early.join(", "));
    const link = page.locator(".page-content a.tag", { hasText: "#RBAC" }).first();
    await link.scrollIntoViewIfNeeded();
    const before = await layout(page);
    const text = await hoverPreview(page, link);
    check(`${label}: hovering #RBAC shows the RBAC page's preview`, text !== null && text.includes("RBAC"), text);
    check(`${label}: the preview describes the link`, (await link.getAttribute("aria-describedby")) === "bp-preview");
    check(`${label}: showing the preview moves nothing`, (await layout(page)) === before);
    const inside = await page.locator("#bp-preview").evaluate((el) => {
      const box = el.getBoundingClientRect();
      return box.left >= 0 && box.right <= document.documentElement.clientWidth;
    });
    check(`${label}: the preview stays inside the viewport`, inside);
    await page.screenshot({ path: path.join(config.screenshots, "k8s-preview-light-desktop.png"), animations: "disabled" });
    const problems = await overflow(page);
    check(`${label}: nothing overflows sideways with the preview shown`, problems.length === 0, problems.join("; "));
    const loads = page.loaded.filter((u) => u.includes("/preview/"));
    check(`${label}: one hover loads the manifest and one shard`, loads.length === 2, loads.join(", "));
    await page.locator("#bp-preview").hover();
    await page.waitForTimeout(400);
    check(`${label}: the pointer can move onto the preview`, await page.locator("#bp-preview").isVisible());
    await page.keyboard.press("Escape");
    check(`${label}: Escape closes the preview`, await page.locator("#bp-preview").isHidden());
    await link.hover();
    await page.waitForTimeout(600);
    check(`${label}: it stays closed while the pointer stays`, await page.locator("#bp-preview").isHidden());
    await moveAway(page);
    check(`${label}: a preview shows again after leaving the link`, (await hoverPreview(page, link)) !== null);
    await moveAway(page);
    check(`${label}: leaving the link closes the preview`, await page.locator("#bp-preview").isHidden());
    noProblems(page, label);
  } catch (error) {
    check(label, false, error.message.split("\n")[0]);
  } finally {
    await context.close();
  }
}

async function previewOnFixture(browser, config) {
  const expect = config.expect;
  for (const scheme of SCHEMES) {
    const label = `fixture preview ${scheme}`;
    const { context, page } = await open(browser, { ...VIEWPORTS.desktop, colorScheme: scheme });
    try {
      await page.goto(fileUrl(config.fixture, expect.page));
      const hashes = await page.evaluate((files) => files.map((f) => window.__bpPreview.fnv1a(f)), expect.hashes.map((h) => h[0]));
      check(`${label}: blockpress.js hashes file names as Rust does`, JSON.stringify(hashes) === JSON.stringify(expect.hashes.map((h) => h[1])), JSON.stringify(hashes));
      const block = await hoverPreview(page, page.locator(".page-content a.block-ref").first());
      check(`${label}: a block ref shows the block's text`, block !== null && block.includes(expect.block_text) && block.includes(expect.block_page), block);
      check(`${label}: a block preview is marked as one`, await page.locator("#bp-preview.preview-block").isVisible());
      await page.screenshot({ path: path.join(config.screenshots, `fixture-block-preview-${scheme}-desktop.png`), animations: "disabled" });
      await moveAway(page);
      const unicode = await hoverPreview(page, page.locator(".page-content a.page-ref", { hasText: expect.unicode_title }).first());
      check(`${label}: a page with a non-ASCII file name has its preview`, unicode !== null && unicode.includes(expect.unicode_text), unicode);
      await moveAway(page);
      const missing = await hoverPreview(page, page.locator(".page-content a.page-ref", { hasText: expect.missing_title }).first());
      check(`${label}: a page without notes says so`, missing !== null && missing.includes("No notes of its own"), missing);
      await page.screenshot({ path: path.join(config.screenshots, `fixture-preview-${scheme}-desktop.png`), animations: "disabled" });
      const contrast = await lowContrast(page);
      check(`${label}: the preview's contrast is WCAG AA`, contrast.text.length === 0, contrast.text.join("; "));
      await moveAway(page);
      const shards = new Set(page.loaded.filter((u) => /\/preview\/\d+\.js/.test(u)));
      check(`${label}: each hover loaded one shard of several`, shards.size <= 3 && expect.shards > 3, `${shards.size} of ${expect.shards}`);
      const focusLink = page.locator(".page-content a.page-ref", { hasText: expect.unicode_title }).first();
      await page.keyboard.press("Tab");
      await focusLink.focus();
      await page.locator("#bp-preview").waitFor({ state: "visible", timeout: 3000 });
      check(`${label}: keyboard focus shows the preview too`, true);
      await page.keyboard.press("Escape");
      check(`${label}: Escape closes a focus preview`, await page.locator("#bp-preview").isHidden());
      noProblems(page, label);
    } catch (error) {
      check(label, false, error.message.split("\n")[0]);
    } finally {
      await context.close();
    }
  }
  const label = "fixture preview phone";
  const { context, page } = await open(browser, { ...VIEWPORTS.phone, colorScheme: "light" });
  try {
    await page.goto(fileUrl(config.fixture, expect.page));
    const link = page.locator(".page-content a.page-ref", { hasText: expect.unicode_title }).first();
    await link.scrollIntoViewIfNeeded();
    await link.evaluate((a) => a.addEventListener("click", (e) => e.preventDefault(), { once: true }));
    await link.tap();
    await page.waitForTimeout(700);
    check(`${label}: a tap shows no preview`, await page.locator("#bp-preview").isHidden());
    await Promise.all([page.waitForURL((url) => decodeURIComponent(url.href).endsWith(`/${expect.unicode_file}`)), link.tap()]);
    const landed = decodeURIComponent(page.url());
    check(`${label}: a tap follows the link`, landed.endsWith(`/${expect.unicode_file}`), landed);
    noProblems(page, label);
  } catch (error) {
    check(label, false, error.message.split("\n")[0]);
  } finally {
    await context.close();
  }
}

async function preview(browser, config) {
  fs.mkdirSync(config.screenshots, { recursive: true });
  await previewOnDefaultSite(browser, config);
  await previewOnFixture(browser, config);
}

/* ---- Main ------------------------------------------------------------- */

async function main() {
  const configFile = process.argv[2];
  if (!configFile) {
    console.error("usage: theme.test.js CONFIG_JSON");
    process.exit(64);
  }
  const config = JSON.parse(fs.readFileSync(configFile, "utf8"));
  const suite = { matrix, nojs, preview }[config.suite];
  if (!suite) {
    console.error(`unknown suite ${config.suite}`);
    process.exit(64);
  }
  let browser;
  try {
    browser = await launch(["--font-render-hinting=none"]);
  } catch (error) {
    console.log(`# cannot start ${CHROMIUM}: ${error.message.split("\n")[0]}`);
    process.exit(2);
  }
  try {
    await suite(browser, config);
  } finally {
    await browser.close();
  }
  finish({ requireOne: true });
}

main();
