// The inbox in a real browser, through the gateway: the count in the navigation goes up as soon
// as an agent starts waiting on a person and the task shows in the inbox; once the agent moves
// on, the task leaves and the count goes back, all without reloading the page.
//
// Driven by tests/e2e/test_dashboard_browser.py, which posts the webhooks. Prints `ready` (the
// inbox is open and live), `waiting` (the count and the list of tasks needing input show the task), then
// `done <screenshot>`; any failed check throws (exit status 1) with what was seen.
//
// Environment: DASHBOARD_URL, DASHBOARD_KEY (read scope), WAITING_TASK, SCREENSHOT_DIR;
// CHROMIUM (default /usr/bin/chromium).

import { mkdirSync } from "node:fs";
import path from "node:path";
import { launchChromium, requiredEnv as env, step } from "./browser.mjs";
import { requirePolicy, signedInPage } from "./policy.mjs";

const url = env("DASHBOARD_URL");
const key = env("DASHBOARD_KEY");
const taskId = env("WAITING_TASK");
const screenshots = env("SCREENSHOT_DIR");
const STEP_MS = 20_000;

const fail = (message) => {
  throw new Error(message);
};

/** The count in the navigation (the badge caps what it shows); no badge means none. */
async function navigationCount(page) {
  const badge = page.locator('aside [data-testid="inbox-count"]');
  return (await badge.count()) === 0 ? 0 : Number(await badge.getAttribute("data-count"));
}

async function untilCount(page, wanted) {
  const deadline = Date.now() + STEP_MS;
  let seen = await navigationCount(page);
  while (seen !== wanted) {
    if (Date.now() > deadline) fail(`the inbox count stayed ${seen}, not ${wanted}`);
    await page.waitForTimeout(100);
    seen = await navigationCount(page);
  }
}

const browser = await launchChromium();
try {
  const { page, problems } = await signedInPage(browser, key, STEP_MS);

  requirePolicy(await page.goto(`${url}/inbox`));
  await page.getByRole("heading", { name: "Inbox" }).waitFor();
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor();
  // Only the tasks needing input: others the stack holds (failures) may fill the first page.
  await page.getByRole("button", { name: /^Needs input/ }).click();
  await page.locator('[data-testid="inbox-list"], [data-testid="inbox-empty"]').first().waitFor();
  const listedBefore = await page.getByTestId("inbox-item").count();
  const before = await navigationCount(page);
  await page.evaluate(() => {
    window.__sameDocument = true;
  });
  step("ready");

  const item = page.locator(`[data-testid="inbox-item"][data-task-id="${taskId}"]`);
  await untilCount(page, before + 1);
  await item.waitFor();
  if ((await item.getAttribute("data-reason")) !== "needs_input") {
    fail(`the task is in the inbox as ${await item.getAttribute("data-reason")}`);
  }
  await item.getByText("Allow Bash: make deploy?").waitFor();
  await item.getByText("Needs input").waitFor();
  const waited = item.getByTestId("inbox-waited");
  const firstWait = await waited.textContent();
  // The time it has waited moves on its own.
  const moving = Date.now() + 5_000;
  while ((await waited.textContent()) === firstWait) {
    if (Date.now() > moving) fail(`the wait stayed at "${firstWait}"`);
    await page.waitForTimeout(200);
  }
  mkdirSync(screenshots, { recursive: true });
  const shot = path.join(screenshots, "inbox.png");
  await page.screenshot({ path: shot });
  step("waiting");

  await untilCount(page, before);
  await item.waitFor({ state: "detached" });
  if (listedBefore === 0) await page.getByTestId("inbox-empty").waitFor();
  if (!(await page.evaluate(() => window.__sameDocument))) fail("the page was reloaded");
  if (problems.length > 0) fail(`errors in the page:\n${problems.join("\n")}`);
  step(`done ${shot}`);
} finally {
  await browser.close();
}
