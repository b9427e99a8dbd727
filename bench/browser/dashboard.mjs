// The dashboard in headless Chromium, measured from outside: the page's own code is not changed,
// a probe is added before it runs (Playwright's addInitScript).
//
// Driven by bench/scenarios/dashboard.py with one JSON argument:
//   {url, key, chromium, seconds, heapEvery, views: [{name, path, selector, tab?}]}
// Each view gets a browser context of its own (empty cache, the key already stored):
// - first load: from the start of navigation to url + path until the first animation frame
//   after an element matching `selector` is in the document. With `tab`, the tab of that name
//   is clicked as soon as it shows (the board is a tab of the project page, not a route).
// - requests: /api/ requests the page sent from navigation until a second after that frame.
// - with seconds > 0, the period, once the live feed is connected (or after 15 s if it does
//   not connect): `period <name>` is printed (the caller measures CPU from there to the result
//   line), and for `seconds`:
//   - lags: a timer in the page asks to run every 100 ms; each lag is how much later than
//     asked it ran (a main thread busy for 1.5 s shows as one lag of ~1,400 ms);
//   - heap: every `heapEvery` seconds, and at the end, a full garbage collection is forced
//     (Chromium runs with --expose-gc), then performance.memory.usedJSHeapSize is read
//     (precise, with --enable-precise-memory-info). The collection's own time is not a lag:
//     the timer is set again after it;
//   - messages: WebSocket messages that reached the page;
//   - live: the share of the period the connection indicator said `live` (a page that cannot
//     keep up with the feed is cut off by the server and reconnects).
// One line `result <json>` per view: {view, firstLoad (s, or null when the view showed nothing
// within 120 s), requests, errors, and for a period
// lags (ms), heap ([ms since navigation, bytes]), messages, live, seconds}.
// With DASHBOARD_SCREENSHOTS set to a directory, each view is also photographed at its end
// (`<view>.png`), as it looked under the load.

import { createRequire } from "node:module";

const require = createRequire(
  new URL("../../web/package.json", import.meta.url),
);
const { chromium } = require("playwright-core");

const TICK_MS = 100;
const REQUEST_WINDOW_MS = 1_000;
const TIMEOUT_MS = 120_000;
const CONNECT_MS = 15_000;
const CONNECTION = '[data-testid="connection"]';

/** Runs in the page before the dashboard's scripts. */
function probe({ key, selector, tickMs, connection }) {
  localStorage.setItem("tracker.apiKey", key);
  const bench = {
    contentAt: null,
    measuring: false,
    lags: [],
    heap: [],
    messages: 0,
  };
  window.__bench = bench;

  const observer = new MutationObserver(() => {
    if (document.querySelector(selector) === null) return;
    observer.disconnect();
    requestAnimationFrame(() => {
      bench.contentAt = performance.now();
    });
  });
  observer.observe(document, { childList: true, subtree: true });

  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => {
        bench.messages += 1;
      });
    }
  };

  const sampleHeap = () => {
    window.gc();
    bench.heap.push([performance.now(), performance.memory.usedJSHeapSize]);
  };
  let nextHeapAt = Infinity;
  let heapEveryMs = 0;
  let startedAt = 0;
  let liveMs = 0;
  bench.start = (everyMs) => {
    Object.assign(bench, { measuring: true, lags: [], heap: [], messages: 0 });
    liveMs = 0;
    heapEveryMs = everyMs;
    nextHeapAt = 0;
    startedAt = performance.now();
  };
  bench.finish = () => {
    bench.measuring = false;
    sampleHeap();
    const { lags, heap, messages } = bench;
    const elapsed = performance.now() - startedAt;
    return {
      lags,
      heap,
      messages,
      live: liveMs / elapsed,
      seconds: elapsed / 1000,
    };
  };

  let due = performance.now() + tickMs;
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    if (bench.measuring) {
      bench.lags.push(now - due);
      const state = document
        .querySelector(connection)
        ?.getAttribute("data-state");
      if (state === "live") liveMs += now - Math.max(last, startedAt);
      if (now >= nextHeapAt) {
        sampleHeap();
        nextHeapAt = now + heapEveryMs;
      }
    }
    last = now;
    due = performance.now() + tickMs;
    setTimeout(tick, tickMs);
  };
  setTimeout(tick, tickMs);
}

async function measure(browser, config, view) {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
  });
  try {
    await context.addInitScript(probe, {
      key: config.key,
      selector: view.selector,
      tickMs: TICK_MS,
      connection: CONNECTION,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
    let errors = 0;
    page.on("pageerror", () => {
      errors += 1;
    });
    let requests = 0;
    let counting = true;
    page.on("request", (request) => {
      if (counting && new URL(request.url()).pathname.startsWith("/api/"))
        requests += 1;
    });

    await page.goto(config.url + view.path, { waitUntil: "commit" });
    // A page that shows nothing within the timeout has no first load (null); its period is
    // still measured.
    const firstLoad = await (async () => {
      if (view.tab) await page.getByRole("tab", { name: view.tab }).click();
      const loaded = await page.waitForFunction(
        () => window.__bench.contentAt,
        null,
        {
          polling: 50,
          timeout: TIMEOUT_MS,
        },
      );
      return (await loaded.jsonValue()) / 1000;
    })().catch((error) => {
      if (error.name !== "TimeoutError") throw error;
      return null;
    });
    await page.waitForTimeout(REQUEST_WINDOW_MS);
    counting = false;

    const result = { view: view.name, firstLoad, requests };
    if (config.seconds > 0) {
      const live = page.locator(`${CONNECTION}[data-state="live"]`);
      await live.waitFor({ timeout: CONNECT_MS }).catch(() => undefined);
      await page.evaluate(
        (everyMs) => window.__bench.start(everyMs),
        config.heapEvery * 1000,
      );
      process.stdout.write(`period ${view.name}\n`);
      await page.waitForTimeout(config.seconds * 1000);
      Object.assign(result, await page.evaluate(() => window.__bench.finish()));
    }
    if (process.env.DASHBOARD_SCREENSHOTS) {
      const shot = `${process.env.DASHBOARD_SCREENSHOTS}/${view.name}.png`;
      await page.screenshot({ path: shot });
    }
    return { ...result, errors };
  } finally {
    await context.close();
  }
}

const config = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: config.chromium,
  headless: true,
  // Containers run the benchmark as root, where Chromium's sandbox cannot start.
  args: [
    "--no-sandbox",
    "--js-flags=--expose-gc",
    "--enable-precise-memory-info",
  ],
});
try {
  for (const view of config.views) {
    const result = await measure(browser, config, view);
    process.stdout.write(`result ${JSON.stringify(result)}\n`);
  }
} finally {
  await browser.close();
}
