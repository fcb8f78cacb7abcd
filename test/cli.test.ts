import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { exited, freePort, runCli, startService, waitForHttp } from "./support/processes";

const sqliteUrl = () => `sqlite:${join(mkdtempSync(join(tmpdir(), "vc-cli-")), "cli.sqlite")}`;

async function programsStatus(port: number, key: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify({ query: "{ programs { meta { total } } }" }),
  });
  return r.status;
}

describe("voicecast CLI and service process", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill("SIGKILL");
  });

  it("migrate, org create, apikey create and apikey revoke", async () => {
    const env = { DATABASE_URL: sqliteUrl() };
    const migrated = runCli(["migrate"], env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/applied: Initial/);
    expect(runCli(["migrate"], env).stdout).toContain("database is up to date");

    const org = runCli(["org", "create", "Acme"], env);
    expect(org.code).toBe(0);
    const issued = JSON.parse(org.stdout);
    expect(Object.keys(issued).sort()).toEqual(["apiKey", "apiKeyId", "organizationId"]);

    const second = JSON.parse(runCli(["apikey", "create", issued.organizationId], env).stdout);
    expect(second.organizationId).toBe(issued.organizationId);
    expect(second.apiKey).not.toBe(issued.apiKey);

    const port = await freePort();
    const svc = startService({ ...env, PORT: String(port), VOICECAST_ROLES: "api" });
    children.push(svc.child);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    expect(await programsStatus(port, second.apiKey)).toBe(200);

    const revoked = runCli(["apikey", "revoke", second.apiKeyId], env);
    expect(revoked.code).toBe(0);
    expect(await programsStatus(port, second.apiKey)).toBe(401);
    expect(await programsStatus(port, issued.apiKey)).toBe(200);

    const unknown = runCli(["apikey", "revoke", "00000000-0000-4000-8000-000000000000"], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("apiKeyId");
  });

  it("a bad environment exits 1 with one message naming every bad variable", () => {
    const r = runCli(["migrate"], { DATABASE_URL: "oracle://x", VOICECAST_POLL_MS: "soon", PORT: "99999" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("DATABASE_URL");
    expect(r.stderr).toContain("VOICECAST_POLL_MS");
    expect(r.stderr).toContain("PORT");
  });

  it("the first start creates the Default organization with the bootstrap key, migrates, and SIGTERM exits 0", async () => {
    const port = await freePort();
    const key = "bootstrap-key-0123456789";
    const svc = startService({ DATABASE_URL: sqliteUrl(), PORT: String(port), VOICECAST_BOOTSTRAP_API_KEY: key });
    children.push(svc.child);
    await waitForHttp(`http://127.0.0.1:${port}/readyz`);
    expect(await programsStatus(port, key)).toBe(200);
    svc.child.kill("SIGTERM");
    expect(await exited(svc.child)).toBe(0);
  });

  it("without a bootstrap key, the first start prints a generated key once", async () => {
    const port = await freePort();
    const svc = startService({ DATABASE_URL: sqliteUrl(), PORT: String(port), VOICECAST_ROLES: "api" });
    children.push(svc.child);
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const m = /API key \(shown once\): (\S+)/.exec(svc.output());
    expect(m).not.toBeNull();
    expect(await programsStatus(port, m![1])).toBe(200);
  });
});
