// The api role from the environment, as `node dist/src/main.js` runs it, except that `off` as the first argument
// turns off the per-request log lines and HTTP metrics: bench/rest-latency.ts measures what they cost.
//
//   node dist/bench/api-server.js on|off
import "reflect-metadata";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config/config";

async function main() {
  const app = await createApp(loadConfig(), { observeRequests: process.argv[2] !== "off" });
  await app.start();
  process.on("SIGTERM", () => void app.stop().then(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
