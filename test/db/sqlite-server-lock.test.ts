import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exited, freePort, runCli, startService, waitForHttp } from "../support/processes";

// SQLite serialises writers only inside one process, so a second server process (api or dispatcher role) on the
// same file is refused at start, with a message naming the one that holds it. Real processes, real signals.
describe("SQLite: one server process per database file", () => {
  const started: Array<ReturnType<typeof startService>> = [];
  afterEach(async () => {
    for (const s of started.splice(0)) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill("SIGKILL");
        await exited(s.child);
      }
    }
  });

  const serve = async (file: string, roles: string) => {
    const port = await freePort();
    const s = startService({ DATABASE_URL: `sqlite:${file}`, PORT: String(port), VOICECAST_ROLES: roles, VOICECAST_BOOTSTRAP_API_KEY: "sqlite-lock-test-key-0001" });
    started.push(s);
    return { ...s, port };
  };

  it("refuses a second api or dispatcher process with a clear message, lets CLI commands in, and is free again once the first dies", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "vc-lock-")), "voicecast.sqlite");
    const first = await serve(file, "api,dispatcher");
    await waitForHttp(`http://127.0.0.1:${first.port}/readyz`);

    for (const roles of ["api", "dispatcher", "api,dispatcher"]) {
      const second = await serve(file, roles);
      expect(await exited(second.child), second.output()).toBe(1);
      expect(second.output()).toContain(`is already served by process ${first.child.pid} on`);
      expect(second.output()).toContain("SQLite serves one server process at a time");
    }

    // A short CLI command may still open the file while the server runs.
    const cli = runCli(["org", "create", "from the CLI"], { DATABASE_URL: `sqlite:${file}` });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toHaveProperty("apiKey");

    // kill -9 leaves no stale lock behind: the operating system releases it with the process.
    first.child.kill("SIGKILL");
    await exited(first.child);
    const next = await serve(file, "api,dispatcher");
    await waitForHttp(`http://127.0.0.1:${next.port}/readyz`);
    next.child.kill("SIGTERM");
    expect(await exited(next.child)).toBe(0);
  });
});
