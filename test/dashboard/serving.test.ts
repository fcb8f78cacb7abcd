import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountDashboard } from "../../src/http/dashboard";

// How the api role serves the dashboard's files (the page itself is tested in Chromium).
describe("serving the dashboard", () => {
  let built: Server;
  let missing: Server;
  const base = (s: Server) => `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  const listen = (dir: string) =>
    new Promise<Server>((resolve) => {
      const app = express();
      mountDashboard(app, dir);
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "vc-dashboard-files-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>Voicecast</title>");
    writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log('hi')");
    built = await listen(dir);
    missing = await listen(join(dir, "not-built"));
  });
  afterAll(() => {
    built?.close();
    missing?.close();
  });

  it("/ and /dashboard redirect to /dashboard/", async () => {
    for (const path of ["/", "/dashboard"]) {
      const r = await fetch(`${base(built)}${path}`, { redirect: "manual" });
      expect(r.status, path).toBeGreaterThanOrEqual(301);
      expect(r.headers.get("location"), path).toBe("/dashboard/");
    }
  });

  it("index.html for /dashboard/ and for the client's routes; hashed assets cached for good", async () => {
    for (const path of ["/dashboard/", "/dashboard/executions/7f0e4c1e-0000-4000-8000-000000000000", "/dashboard/programs"]) {
      const r = await fetch(`${base(built)}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type"), path).toMatch(/text\/html/);
      expect(await r.text(), path).toContain("<title>Voicecast</title>");
    }
    const asset = await fetch(`${base(built)}/dashboard/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toMatch(/immutable/);
  });

  it("a missing asset is a JSON 404, not the page", async () => {
    const r = await fetch(`${base(built)}/dashboard/assets/gone.js`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: "NotFoundError", message: "No dashboard file at /dashboard/assets/gone.js" });
  });

  it("without a build, /dashboard/ answers a JSON 404 that says how to build it", async () => {
    const r = await fetch(`${base(missing)}/dashboard/`);
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    expect(await r.json()).toEqual({ error: "NotFoundError", message: "The dashboard is not built: run npm run build" });
  });
});
