/** The live feed's URL on the page's own host. Keys limited to projects must name them, so a
 * caller that failed without any names them explicitly. */
export function feedUrl(
  location: { protocol: string; host: string },
  apiKey: string,
  since: string | null,
  projects: readonly string[],
): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const params = new URLSearchParams({ api_key: apiKey });
  for (const project of projects) params.append("project", project);
  if (since) params.set("since", since);
  return `${scheme}://${location.host}/webhook/ws?${params}`;
}
