// Report tasks to Agent Task Tracker from Node.js 18+ (built-in fetch), no dependencies.
//
//   import { createTracker } from "./agent-tracker.mjs";
//   const tracker = createTracker({ project: "my-app", agent: "node-agent" });
//   const task = await tracker.start("Build feature");
//   await task.progress(50, "halfway");
//   await task.finish({ result: "done" });       // or: await task.fail(error)
//
// URL and key default to AGENT_TRACKER_URL and AGENT_TRACKER_API_KEY. Each event carries its
// own event_id, so a retry after a timeout or a 5xx is stored once. Failures are logged, never
// thrown: reporting must not break the agent. For events that must survive the tracker being
// down, call the agent-tracker CLI, which spools them.

import { randomUUID } from "node:crypto";

const RETRYABLE = new Set([408, 409, 425, 429]);

export function createTracker({
  url = process.env.AGENT_TRACKER_URL ?? "http://localhost:8000",
  apiKey = process.env.AGENT_TRACKER_API_KEY,
  project = process.env.AGENT_TRACKER_PROJECT,
  agent = process.env.AGENT_TRACKER_AGENT ?? "node-agent",
  timeoutMs = 2000,
  attempts = 3,
} = {}) {
  async function post(kind, body) {
    const event = { event_id: randomUUID(), timestamp: new Date().toISOString(), project, agent, ...body };
    let delay = 200;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(`${url}/webhook/${kind}`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-API-Key": apiKey },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (response.ok) return (await response.json()).event_id;
        const detail = await response.text();
        if (!RETRYABLE.has(response.status) && response.status < 500) {
          console.error(`agent-tracker: ${kind} refused: HTTP ${response.status} ${detail}`);
          return null;
        }
      } catch (error) {
        if (attempt === attempts) console.error(`agent-tracker: ${kind} not delivered: ${error}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
    return null;
  }

  return {
    async start(title, { taskId = `task-${randomUUID().slice(0, 12)}`, metadata } = {}) {
      const ids = { task: title, task_id: taskId };
      const startedAt = Date.now();
      await post("start", { ...ids, metadata });
      return {
        taskId,
        progress: (progress, message) => post("status", { ...ids, status: "running", progress, message }),
        finish: ({ result, metadata } = {}) =>
          post("finish", { ...ids, result, metadata, duration_seconds: (Date.now() - startedAt) / 1000 }),
        fail: (error) =>
          post("error", {
            ...ids,
            error_type: error?.name ?? "Error",
            error_message: String(error?.message ?? error).slice(0, 16384) || "Error",
            stack_trace: error?.stack?.slice(-65536),
          }),
      };
    },
  };
}
