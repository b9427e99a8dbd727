// The dashboard in a real browser, through the gateway: enter the key, watch a task appear
// and move live, lose the live feed, and see what happened meanwhile arrive once it resumes,
// all without reloading the page.
//
// Driven by tests/e2e/test_dashboard_browser.py, which posts the webhooks. This script prints
// one line per step it reached (`ready`, `on-project`, `seen-progress`, `dropped`, `on-stats`,
// `done <screenshot>`); the test posts the next webhooks when it reads one. Anything the
// gateway's Content-Security-Policy blocks fails it.
//
// Environment: DASHBOARD_URL, DASHBOARD_KEY (read scope), DASHBOARD_PROJECT, RUNNING_TASK,
// FAILING_TASK, SCREENSHOT_DIR; CHROMIUM (default /usr/bin/chromium); DASHBOARD_SHOTS: when
// set, a directory that also gets a screenshot of every view.

import { mkdirSync } from "node:fs";
import path from "node:path";
import { launchChromium, requiredEnv as env, step } from "./browser.mjs";
import { requirePolicy, watchForPolicyViolations } from "./policy.mjs";
import { tourEveryView } from "./tour.mjs";

const url = env("DASHBOARD_URL");
const key = env("DASHBOARD_KEY");
const project = env("DASHBOARD_PROJECT");
const running = env("RUNNING_TASK");
const failing = env("FAILING_TASK");
const screenshots = env("SCREENSHOT_DIR");
const tourDir = process.env.DASHBOARD_SHOTS;
const STEP_MS = 20_000;

/** Waits until the API shows every one of `taskIds` finished or failed. */
async function untilApplied(base, apiKey, projectName, taskIds) {
  const deadline = Date.now() + STEP_MS;
  const query = "status=completed&status=failed&limit=100";
  while (Date.now() < deadline) {
    const answer = await fetch(
      `${base}/api/projects/${encodeURIComponent(projectName)}/tasks?${query}`,
      {
        headers: { "X-API-Key": apiKey },
      },
    );
    const done = answer.ok ? (await answer.json()).map((task) => task.task_id) : [];
    if (taskIds.every((id) => done.includes(id))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the API never showed ${taskIds.join(", ")} as ended`);
}

const browser = await launchChromium();
try {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    colorScheme: "light",
  });
  // The live feed passes through here, so that the test can cut it.
  const feeds = [];
  let feedDown = false;
  await context.routeWebSocket(/\/webhook\/ws/, (feed) => {
    if (feedDown) {
      feed.close({ code: 4001, reason: "feed cut by the test" });
      return;
    }
    feed.connectToServer();
    feeds.push(feed);
  });
  const problems = [];
  await watchForPolicyViolations(context, problems);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on("pageerror", (error) => problems.push(String(error)));

  requirePolicy(await page.goto(url));
  // A wrong key is refused on the prompt itself.
  await page.getByLabel("API key").fill("not-a-valid-key");
  await page.getByRole("button", { name: "Open dashboard" }).click();
  await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor();
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Open dashboard" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor();
  // Survives only as long as the page is never reloaded.
  await page.evaluate(() => {
    window.__sameDocument = true;
  });
  step("ready");

  // The project is new: its card appears on the overview from the live feed.
  const card = page.locator(`[data-testid="project-card"][data-project="${project}"]`);
  await card.waitFor();
  await card.click();
  await page.getByRole("heading", { name: project }).waitFor();
  step("on-project");

  const row = (taskId) => page.locator(`[data-testid="task-row"][data-task-id="${taskId}"]`);
  await row(running).locator('[aria-label="40% done"]').waitFor();
  await row(running).and(page.locator('[data-status="running"]')).waitFor();
  step("seen-progress");

  // Cut the feed: the outcomes the test posts now can only reach the page by the replay that
  // follows a reconnect with `since`.
  feedDown = true;
  for (const feed of feeds.splice(0))
    await feed.close({ code: 4001, reason: "feed cut by the test" });
  await page.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor();
  step("dropped");
  await untilApplied(url, key, project, [running, failing]);
  feedDown = false;
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor();

  await row(running).and(page.locator('[data-status="completed"]')).waitFor();
  await row(running).locator('[aria-label="100% done"]').waitFor();
  await row(failing).and(page.locator('[data-status="failed"]')).waitFor();
  // The project's counts follow once the database has applied the events.
  await page.locator('[data-testid="summary-completed"][data-count="1"]').waitFor();
  await page.locator('[data-testid="summary-failed"][data-count="1"]').waitFor();
  await page.locator('[data-testid="summary-active"][data-count="0"]').waitFor();
  mkdirSync(screenshots, { recursive: true });
  const listShot = path.join(screenshots, "project-live.png");
  await page.screenshot({ path: listShot, fullPage: true });

  await row(failing).click();
  await page.getByTestId("stack-trace").waitFor();
  await page.getByTestId("timeline").locator('[data-kind="error"]').waitFor();
  await page.screenshot({ path: path.join(screenshots, "task-failed.png"), fullPage: true });

  // The statistics follow the feed too: a task started while they are shown is counted.
  await page.getByRole("link", { name: "Statistics" }).click();
  const statsRow = page.locator(`[data-testid="project-stats-row"][data-project="${project}"]`);
  await statsRow.and(page.locator('[data-total="2"]')).waitFor();
  step("on-stats");
  await statsRow.and(page.locator('[data-total="3"]')).waitFor();

  if (!(await page.evaluate(() => window.__sameDocument === true))) {
    throw new Error("the page reloaded: live updates must arrive without a reload");
  }
  if (tourDir) await tourEveryView(browser, url, key, project, tourDir, problems);
  if (problems.length > 0) throw new Error(`errors in the page:\n${problems.join("\n")}`);
  step(`done ${listShot}`);
} finally {
  await browser.close();
}
