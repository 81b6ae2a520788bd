#!/usr/bin/env node
// Real-browser test of offline search, run by tests/search.rs:
//
//   node tests/browser/search.test.js SITE_DIR EXPECT_JSON
//
// SITE_DIR is a built default site; EXPECT_JSON (written by the Rust test)
// holds what Rust's reference implementation says: the StatefulSet block's
// anchor, tokeniser cases and the best hit of a few queries. The site is
// opened from file:// in headless Debian chromium (never a downloaded
// browser). Exit code 0 when every check passes; 2 when the browser cannot
// be started (the Rust test reports that as skipped unless CI is set).
"use strict";

const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

const { CHROMIUM, launch, requestProblem } = require("./chromium");

const { check, finish } = require("./tap");

/** A page that records console errors, page errors and every file it loads. */
async function openPage(browser, problems) {
  const page = await browser.newPage();
  page.loaded = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("request", (request) => page.loaded.push(request.url()));
  page.on("requestfailed", (request) => {
    const problem = requestProblem(request);
    if (problem) problems.push(problem);
  });
  return page;
}

function fileUrl(site, file) {
  return pathToFileURL(path.join(site, file)).href;
}

async function firstHit(page) {
  const hit = page.locator("#search .search-panel .search-hit").first();
  await hit.waitFor({ state: "visible", timeout: 5000 });
  return hit;
}

async function typeAndDrop(page, site, expect) {
  await page.goto(fileUrl(site, "index.html"));
  const early = page.loaded.filter((u) => u.includes("/search/"));
  check("the first page view loads none of the index", early.length === 0, early.join(", "));
  await page.keyboard.press("/");
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  check("/ focuses the search box", focused === "search-input", focused);
  await page.keyboard.type("statefu", { delay: 30 });
  const hit = await firstHit(page);
  const href = await hit.getAttribute("href");
  check("first result links to the StatefulSet block", /k8s\.html#b-[0-9a-z-]+$/.test(href || "") && href.endsWith(`#${expect.statefulset_anchor}`), href);
  const marked = await hit.locator("mark").allTextContents();
  check("the snippet highlights the match", marked.some((m) => /^statefulset$/i.test(m)), JSON.stringify(marked));
  const title = await hit.locator(".search-hit-title").textContent();
  check("the result shows the page title", title === "K8s", title);
  const crumbs = await hit.locator(".search-crumb").allTextContents();
  check("the result shows parent blocks as a breadcrumb", crumbs.length > 0, JSON.stringify(crumbs));
  const timing = await page.evaluate(() => window.__bpSearch.timing);
  console.log(`# first query: ${JSON.stringify(timing)}`);
  await Promise.all([page.waitForURL(/k8s\.html#b-/), page.keyboard.press("Enter")]);
  const landed = page.url();
  check("Enter opens the block", landed.endsWith(`k8s.html#${expect.statefulset_anchor}`), landed);
  const exists = await page.evaluate((id) => !!document.getElementById(id), expect.statefulset_anchor);
  check("the block's anchor exists on the page", exists);
}

async function keyboardNavigation(page, site) {
  await page.goto(fileUrl(site, "k8s.html"));
  await page.keyboard.press("Control+k");
  await page.keyboard.type("etcd");
  await firstHit(page);
  await page.keyboard.press("ArrowDown");
  const active = await page.evaluate(() => {
    const el = document.querySelector('#search [aria-selected="true"]');
    return el ? el.id : null;
  });
  check("Ctrl-K focuses, arrows move through the results", active === "search-hit-1", active);
  await page.keyboard.press("Escape");
  const hidden = await page.locator("#search .search-panel").isHidden();
  check("Escape closes the list", hidden);
}

async function searchPage(page, site) {
  await page.goto(`${fileUrl(site, "search.html")}?q=cri-o`);
  const first = page.locator("#search-page-results .search-hit").first();
  await first.waitFor({ state: "visible", timeout: 5000 });
  const value = await page.inputValue("#search-page-input");
  check("search.html reads ?q=", value === "cri-o", value);
  const marked = await first.locator("mark").allTextContents();
  check("search.html shows highlighted results", marked.includes("cri-o"), JSON.stringify(marked));
  await page.goto(`${fileUrl(site, "index.html")}?q=kubectl`);
  await firstHit(page);
  const q = await page.inputValue("#search-input");
  check("?q= works on the home page", q === "kubectl", q);
}

async function parity(page, site, expect) {
  await page.goto(fileUrl(site, "404.html"));
  const js = await page.evaluate((cases) => {
    const api = window.__bpSearch.api;
    const words = cases.map((c) => api.words(c.text).map((w) => [w.text, w.position, w.part]));
    const stems = cases.map((c) => api.words(c.text).map((w) => api.stem(w.text)));
    return { words, stems };
  }, expect.tokens);
  expect.tokens.forEach((c, i) => {
    const same = JSON.stringify(js.words[i]) === JSON.stringify(c.words) && JSON.stringify(js.stems[i]) === JSON.stringify(c.stems);
    check(`tokens of ${JSON.stringify(c.text)} match Rust`, same, `${JSON.stringify(js.words[i])} ${JSON.stringify(js.stems[i])}`);
  });
  for (const other of expect.sites) {
    await page.goto(fileUrl(other.dir, "404.html"));
    const tops = await page.evaluate(async (queries) => {
      const api = window.__bpSearch.api;
      const out = [];
      for (const q of queries) {
        const result = await api.search(q.query);
        out.push(api.hits(result, 0, 3).map((h) => [h.page, h.block]));
      }
      return out;
    }, other.queries);
    other.queries.forEach((q, i) => {
      const same = JSON.stringify(tops[i]) === JSON.stringify(q.top);
      check(`best hits of ${JSON.stringify(q.query)} in ${path.basename(path.dirname(other.dir))}/ match Rust`, same && q.top.length > 0, `${JSON.stringify(tops[i])} vs ${JSON.stringify(q.top)}`);
    });
  }
}

async function main() {
  const [site, expectFile] = process.argv.slice(2);
  if (!site || !expectFile) {
    console.error("usage: search.test.js SITE_DIR EXPECT_JSON");
    process.exit(64);
  }
  const expect = JSON.parse(fs.readFileSync(expectFile, "utf8"));
  let browser;
  try {
    browser = await launch();
  } catch (error) {
    console.log(`# cannot start ${CHROMIUM}: ${error.message.split("\n")[0]}`);
    process.exit(2);
  }
  const problems = [];
  try {
    const page = await openPage(browser, problems);
    for (const step of [typeAndDrop, keyboardNavigation, searchPage, parity]) {
      try {
        await step(page, site, expect);
      } catch (error) {
        check(step.name, false, error.message.split("\n")[0]);
      }
    }
  } finally {
    await browser.close();
  }
  check("no console errors, page errors or failed loads", problems.length === 0, problems.join("; "));
  finish();
}

main();
