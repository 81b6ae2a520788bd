// A tiny TAP-style reporter for the browser tests: `ok - …` / `not ok - …`
// lines (the Rust side collects the `not ok` ones) and an exit code.
"use strict";

let passed = 0;
let failed = 0;

/** Records one check; returns whether it held. */
function check(name, ok, detail) {
  if (ok) {
    passed += 1;
    console.log(`ok - ${name}`);
  } else {
    failed += 1;
    console.log(`not ok - ${name}${detail === undefined ? "" : `: ${detail}`}`);
  }
  return ok;
}

/** Prints the totals and exits: 1 on a failed check (or, with `requireOne`, when none ran). */
function finish({ requireOne = false } = {}) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed || (requireOne && !passed) ? 1 : 0);
}

module.exports = { check, finish };
