// The headless Chromium that every browser test and benchmark here drives:
// Debian's package (or $CHROMIUM), never a downloaded browser.
"use strict";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Starts Chromium with `extra` arguments after the common ones. */
async function launch(extra = []) {
  const { chromium } = require("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extra], headless: true });
}

module.exports = { CHROMIUM, launch };
