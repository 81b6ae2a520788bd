#!/usr/bin/env node
// Measures offline search on a built site, in headless Debian chromium from file://.
//
//   node tests/browser/bench.js SITE_DIR [QUERY ...]
//
// For each query, in a fresh page: the bytes and files of the index loaded to
// answer it, and the time from the input event to the results drawn (as
// search.js records it): "cold" with nothing loaded, "typed" after focusing
// the box (which loads the manifest) and typing one key at a time, as a person
// does. Prints the index's total size too. Measures only; asserts nothing.
"use strict";

const fs = require("fs");
const path = require("path");
const { pathToFileURL, fileURLToPath } = require("url");

const { launch } = require("./chromium");

function sizeOf(dir) {
  let bytes = 0;
  let files = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = sizeOf(full);
      bytes += inner.bytes;
      files += inner.files;
    } else {
      bytes += fs.statSync(full).size;
      files += 1;
    }
  }
  return { bytes, files };
}

function loadedIndex(urls) {
  const files = [...new Set(urls.filter((u) => u.includes("/search/")).map((u) => fileURLToPath(u.split("?")[0])))];
  return { files: files.length, bytes: files.reduce((sum, f) => sum + fs.statSync(f).size, 0) };
}

/** CPU time of the page's main thread so far, in ms (CDP Performance metrics). */
async function threadTime(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  const metric = metrics.find((m) => m.name === "ThreadTime");
  return metric ? metric.value * 1000 : 0;
}

async function measure(browser, site, query, typed) {
  const page = await browser.newPage();
  const urls = [];
  page.on("request", (r) => urls.push(r.url()));
  await page.goto(pathToFileURL(path.join(site, "index.html")).href);
  const before = loadedIndex(urls).files;
  const keys = [];
  let cdp = null;
  let cpuBefore = 0;
  if (typed) {
    await page.keyboard.press("/");
    await page.waitForFunction(() => !!document.querySelector('script[src$="search/manifest.js"]'));
    await page.waitForTimeout(300); // the manifest loads while the box has the focus
    for (let i = 1; i <= query.length; i++) {
      await page.keyboard.type(query[i - 1]);
      const typedSoFar = query.slice(0, i);
      const drawn = await page
        .waitForFunction((q) => window.__bpSearch.timing && window.__bpSearch.timing.query === q, typedSoFar, { timeout: 30000 })
        .then(() => page.evaluate(() => window.__bpSearch.timing.ms))
        .catch(() => null); // a space draws nothing new
      if (drawn !== null) keys.push(drawn);
    }
  } else {
    cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    cpuBefore = await threadTime(cdp);
    await page.evaluate((q) => {
      const input = document.getElementById("search-input");
      input.value = q;
      input.dispatchEvent(new Event("input"));
    }, query);
  }
  await page.waitForFunction((q) => window.__bpSearch.timing && window.__bpSearch.timing.query === q, query, { timeout: 30000 });
  const timing = await page.evaluate(() => window.__bpSearch.timing);
  const cpu = cdp ? (await threadTime(cdp)) - cpuBefore : null;
  const loaded = loadedIndex(urls);
  await page.close();
  return { timing, loaded, before, keys, cpu };
}

async function main() {
  const [site, ...given] = process.argv.slice(2);
  const queries = given.length ? given : ["statefu", "kubectl", "etcd compaction", "terraform", "the", "reconci"];
  const total = sizeOf(path.join(site, "search"));
  console.log(`index: ${total.files} files, ${(total.bytes / 1048576).toFixed(1)} MiB`);
  const browser = await launch();
  console.log("cold: nothing loaded, the whole query at once (of which: finding the hits, the rest loads snippets and draws)");
  console.log("typed: box focused (the manifest loads), then one key at a time: first key, slowest key, last key");
  console.log("cpu: main-thread CPU time of the cold query (what a loaded machine does not inflate)");
  console.log("query               | cold ms (find)  | cpu ms | typed ms: 1st key, slowest, last | hits   | index loaded (cold)      | share");
  for (const q of queries) {
    const cold = await measure(browser, site, q, false);
    const typed = await measure(browser, site, q, true);
    const share = ((100 * cold.loaded.bytes) / total.bytes).toFixed(2);
    console.log(
      `${q.padEnd(19)} | ${cold.timing.ms.toFixed(1).padStart(7)} (${cold.timing.search.toFixed(1).padStart(5)}) | ${cold.cpu.toFixed(1).padStart(6)} | ` +
        `${[typed.keys[0], Math.max(...typed.keys), typed.timing.ms].map((ms) => ms.toFixed(1).padStart(8)).join(" ")}     | ${String(cold.timing.hits).padStart(6)} | ` +
        `${String(cold.loaded.files).padStart(3)} files ${(cold.loaded.bytes / 1024).toFixed(0).padStart(6)} KiB | ${share}%` +
        (cold.before ? " (index loaded before the query!)" : "")
    );
  }
  await browser.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
