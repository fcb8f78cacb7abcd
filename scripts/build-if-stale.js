#!/usr/bin/env node
// `npm start` runs this first: it rebuilds (`npm run build`) only when a source is newer than the last successful
// build, so an unchanged checkout starts at once. `npm run build` stamps dist/.build-stamp when it succeeds.
//
//   node scripts/build-if-stale.js          build when stale, else do nothing
//   node scripts/build-if-stale.js --stamp  record a successful build (the postbuild script)
"use strict";
const { execSync } = require("node:child_process");
const { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");

const ROOT = join(__dirname, "..");
const STAMP = join(ROOT, "dist", ".build-stamp");
/** What a build reads: the server and dashboard sources, migrations, and the build's own configuration. */
const SOURCES = ["src", "migrations", "package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "vite.dashboard.config.mts"];

/** The newest modification time under `path` (a file or a directory tree), 0 when it does not exist. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a deleted file changes its directory's time
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

if (process.argv.includes("--stamp")) {
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  process.exit(0);
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const changed = Math.max(...SOURCES.map((p) => newest(join(ROOT, p))));
if (built > 0 && changed <= built) process.exit(0);
console.error(built === 0 ? "No build yet: building (npm run build)…" : "Sources changed since the last build: rebuilding (npm run build)…");
execSync("npm run build", { cwd: ROOT, stdio: "inherit" });
