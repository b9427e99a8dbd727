// The overview of a big fleet in a real browser, through the gateway: hundreds of projects load
// with a handful of API requests, the first screen of cards shows quickly, scrolling reaches
// the last project, and the sidebar finds a project by part of its name.
//
// Driven by tests/e2e/test_dashboard_browser.py, which seeds the projects first. Prints
// `first-load <requests> requests, first card after <ms> ms`, then `done <screenshot>`; any
// failed check throws (exit status 1) with what was seen.
//
// Environment: DASHBOARD_URL, DASHBOARD_KEY (read scope), PROJECT_PREFIX (the seeded projects'
// names start with it), SEARCH_PROJECT (one of them, found by a part of its name),
// SCREENSHOT_DIR; MAX_FIRST_LOAD_REQUESTS (default 6); MAX_FIRST_CARD_MS (default 20000, a
// bound for a busy test machine: bench/ measures the real times); DEBUG_REQUESTS (when set,
// lists the first load's requests); CHROMIUM (default /usr/bin/chromium).

import { mkdirSync } from "node:fs";
import path from "node:path";
import { launchChromium, requiredEnv as env, step } from "./browser.mjs";
import { requirePolicy, signedInPage } from "./policy.mjs";

const url = env("DASHBOARD_URL");
const key = env("DASHBOARD_KEY");
const prefix = env("PROJECT_PREFIX");
const searched = env("SEARCH_PROJECT");
const screenshots = env("SCREENSHOT_DIR");
const maxRequests = Number(process.env.MAX_FIRST_LOAD_REQUESTS ?? 6);
const maxFirstCardMs = Number(process.env.MAX_FIRST_CARD_MS ?? 20_000);
const STEP_MS = 20_000;
/** After the first cards show, how long the page must stay without new API requests. */
const SETTLE_MS = 2_000;
/** Cards and sidebar links the page may hold at once: a few screens, not the whole fleet. */
const MAX_IN_PAGE = 120;

const fail = (message) => {
  throw new Error(message);
};
const cardOf = (page, name) => page.locator(`[data-testid="project-card"][data-project="${name}"]`);

/** The project the overview lists last, as the API orders it (asked outside the page). */
async function lastProject() {
  const summary = `${url}/api/stats/projects/summary`;
  const headers = { "X-API-Key": key };
  const first = await fetch(`${summary}?limit=1`, { headers });
  const total = Number(first.headers.get("X-Total-Count"));
  const last = await fetch(`${summary}?limit=1&offset=${total - 1}`, { headers });
  const [project] = await last.json();
  return { total, name: project.project };
}

const browser = await launchChromium();
try {
  const { page, problems } = await signedInPage(browser, key, STEP_MS);
  const apiRequests = [];
  page.on("request", (request) => {
    const { pathname, search } = new URL(request.url());
    if (pathname.startsWith("/api/")) apiRequests.push({ at: Date.now(), path: pathname + search });
  });

  const started = Date.now();
  requirePolicy(await page.goto(url));
  await page.locator('[data-testid="project-card"]').first().waitFor({ timeout: 60_000 });
  const firstCardMs = Date.now() - started;
  // Settled: no API request for SETTLE_MS.
  for (;;) {
    const latest = apiRequests.at(-1)?.at ?? started;
    const quiet = Date.now() - latest;
    if (quiet >= SETTLE_MS) break;
    await page.waitForTimeout(SETTLE_MS - quiet);
  }
  const firstLoad = apiRequests.length;
  step(`first-load ${firstLoad} requests, first card after ${firstCardMs} ms`);
  if (process.env.DEBUG_REQUESTS)
    for (const r of apiRequests) step(`  ${r.at - started} ms ${r.path}`);
  if (firstLoad > maxRequests) {
    const paths = apiRequests.slice(0, 20).map((r) => r.path);
    fail(
      `the first load made ${firstLoad} API requests (at most ${maxRequests}):\n${paths.join("\n")}`,
    );
  }
  if (firstCardMs > maxFirstCardMs) {
    fail(`the first card showed after ${firstCardMs} ms (at most ${maxFirstCardMs})`);
  }
  const visibleCards = await page.locator('[data-testid="project-card"]:visible').count();
  if (visibleCards < 6) fail(`only ${visibleCards} cards on the first screen`);
  mkdirSync(screenshots, { recursive: true });
  const overviewShot = path.join(screenshots, "overview-many-projects.png");
  await page.screenshot({ path: overviewShot });

  // Scrolling down reaches the last project; the page holds only the cards near the screen.
  const last = await lastProject();
  if (last.total < 400) fail(`the API lists only ${last.total} projects`);
  const lastCard = cardOf(page, last.name);
  const deadline = Date.now() + 3 * STEP_MS;
  await page.mouse.move(900, 500); // over the cards, not the sidebar
  await page.mouse.wheel(0, 2000);
  while (!(await lastCard.isVisible())) {
    if (Date.now() > deadline) fail(`scrolling never reached the card of ${last.name}`);
    await page.keyboard.press("End");
    await page.waitForTimeout(250);
  }
  const cardsInPage = await page.locator('[data-testid="project-card"]').count();
  if (cardsInPage > MAX_IN_PAGE) fail(`${cardsInPage} cards in the page at once`);
  const linksInSidebar = await page.locator(`aside a[href^="/projects/${prefix}"]`).count();
  if (linksInSidebar > MAX_IN_PAGE) fail(`${linksInSidebar} project links in the sidebar`);

  // The sidebar finds a project by a part of its name, and its link opens it.
  const part = searched.slice(prefix.length);
  await page.getByTestId("project-search").fill(part.toUpperCase());
  const href = `/projects/${encodeURIComponent(searched)}`;
  const link = page.locator(`aside a[href="${href}"]`);
  await link.waitFor();
  const matches = await page.locator('aside a[href^="/projects/"]').count();
  if (matches > 5) fail(`the search for "${part}" left ${matches} projects in the sidebar`);
  await link.click();
  await page.getByRole("heading", { name: searched }).waitFor();
  if (new URL(page.url()).pathname !== href) fail(`the link opened ${page.url()}`);

  if (problems.length > 0) fail(`errors in the page:\n${problems.join("\n")}`);
  step(`done ${overviewShot}`);
} finally {
  await browser.close();
}
