// The dashboard runs under the gateway's Content-Security-Policy (gateway/dynamic/routes.yml):
// anything the policy blocks is a failure, whether or not the page still seems to work.

/** Collects into `problems` every violation reported in a page of `context`. */
export async function watchForPolicyViolations(context, problems) {
  await context.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (event) =>
      console.error(
        `Content-Security-Policy violation: ${event.effectiveDirective} blocked ` +
          `${event.blockedURI || "inline"} in ${event.sourceFile || event.documentURI}`,
      ),
    ),
  );
  context.on("console", (message) => {
    if (message.type() === "error" && /Content.Security.Policy/i.test(message.text())) {
      problems.push(message.text());
    }
  });
}

/** Throws unless `response` carries a Content-Security-Policy. */
export function requirePolicy(response) {
  if (!response?.headers()["content-security-policy"]) {
    throw new Error(`${response?.url()} was served without a Content-Security-Policy`);
  }
}

/** A page of the dashboard in a new 1440×900 light context, signed in with `key` as the prompt
 * would keep it. Errors thrown in the page and what the policy blocks collect in `problems`. */
export async function signedInPage(browser, key, stepMs) {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    colorScheme: "light",
  });
  await context.addInitScript((apiKey) => localStorage.setItem("tracker.apiKey", apiKey), key);
  const problems = [];
  await watchForPolicyViolations(context, problems);
  const page = await context.newPage();
  page.setDefaultTimeout(stepMs);
  page.on("pageerror", (error) => problems.push(String(error)));
  return { page, problems };
}
