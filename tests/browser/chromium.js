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

/**
 * Why a failed request is a problem, or null when it is not one: a request
 * that a navigation cut short (net::ERR_ABORTED, e.g. the favicon of a page
 * left by a click before it arrived) says nothing about the site; a missing
 * file fails with net::ERR_FILE_NOT_FOUND and is reported.
 */
function requestProblem(request) {
  const error = request.failure() && request.failure().errorText;
  if (error === "net::ERR_ABORTED") return null;
  return `failed: ${request.url()} (${error})`;
}

module.exports = { CHROMIUM, launch, requestProblem };
