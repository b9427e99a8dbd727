// What every browser test script starts with: its settings from the environment, the step
// lines the Python test reads, and Debian's Chromium.

import { chromium } from "playwright-core";

/** The environment variable `name`; throws when it is not set. */
export function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** Prints one step the script reached, for the driving test to read. */
export function step(line) {
  process.stdout.write(`${line}\n`);
}

/** Headless Chromium from CHROMIUM (default /usr/bin/chromium). */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    // Containers run the tests as root, where Chromium's sandbox cannot start.
    args: ["--no-sandbox"],
  });
}
