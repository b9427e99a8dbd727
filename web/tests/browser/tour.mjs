// Screenshots of every view, light and dark, laptop and phone: for people to look at.

import { mkdirSync } from "node:fs";
import path from "node:path";
import { watchForPolicyViolations } from "./policy.mjs";

async function settle(page) {
  await page.waitForLoadState("networkidle");
  // Charts and sparklines draw after their data arrives.
  await page.waitForTimeout(600);
}

async function shoot(page, dir, name, target) {
  await page.goto(target);
  await settle(page);
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** Adds to `problems` whatever the Content-Security-Policy blocks on the way. */
export async function tourEveryView(browser, url, key, project, dir, problems) {
  mkdirSync(dir, { recursive: true });
  // A project with a day of work behind it, when the caller posted one.
  const shown = process.env.DASHBOARD_TOUR_PROJECT ?? project;
  const projectUrl = `${url}/projects/${encodeURIComponent(shown)}`;
  const looks = [
    { suffix: "", viewport: { width: 1440, height: 900 }, colorScheme: "light" },
    { suffix: "-dark", viewport: { width: 1440, height: 900 }, colorScheme: "dark" },
    {
      suffix: "-phone",
      viewport: { width: 390, height: 844 },
      colorScheme: "light",
      isMobile: true,
    },
  ];
  for (const look of looks) {
    const context = await browser.newContext({ ...look, deviceScaleFactor: look.isMobile ? 2 : 1 });
    await context.addInitScript((apiKey) => localStorage.setItem("tracker.apiKey", apiKey), key);
    await watchForPolicyViolations(context, problems);
    const page = await context.newPage();
    await shoot(page, dir, `overview${look.suffix}`, url);
    await shoot(page, dir, `project${look.suffix}`, projectUrl);
    const failed = page.locator('[data-testid^="task-"][data-status="failed"]:visible').first();
    if (await failed.count()) {
      await failed.click();
      await page.getByTestId("stack-trace").waitFor();
      await settle(page);
      await page.screenshot({ path: path.join(dir, `task${look.suffix}.png`), fullPage: true });
    }
    await shoot(page, dir, `agents${look.suffix}`, `${url}/agents`);
    await shoot(page, dir, `stats${look.suffix}`, `${url}/stats`);
    if (!look.isMobile) {
      await page.goto(projectUrl);
      await page.getByRole("tab", { name: "Board" }).click();
      await settle(page);
      await page.screenshot({ path: path.join(dir, `board${look.suffix}.png`), fullPage: true });
    }
    await context.close();
  }
  const prompt = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await watchForPolicyViolations(prompt, problems);
  const page = await prompt.newPage();
  await shoot(page, dir, "key-prompt", url);
  await prompt.close();
}
