// node scripts/node/example.mjs — reports one finished and one failed task; prints their ids.
import { createTracker } from "./agent-tracker.mjs";

const tracker = createTracker({ agent: "node-example" });

const build = await tracker.start("Build feature", { metadata: { runtime: process.version } });
await build.progress(50, "halfway");
await build.finish({ result: "done" });
console.log(build.taskId);

const deploy = await tracker.start("Deploy");
try {
  throw new TypeError("no target configured");
} catch (error) {
  await deploy.fail(error);
}
console.log(deploy.taskId);
