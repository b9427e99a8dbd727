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
