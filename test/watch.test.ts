import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_JS, ROOT } from "./support/processes";
import { eventually, ServerProcess } from "./support/server-process";

/** Runs the compiled CLI to its end without blocking the event loop (the server under test is another process). */
function run(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { env: { ...process.env, VOICECAST_URL: "", VOICECAST_API_KEY: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("voicecast watch and voicecast executions against a real server", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start({ VOICECAST_SIM_CALL_MS: "300" });
  });
  afterAll(() => server?.kill());

  it("watch follows an execution to its end: one line per update off a terminal, then the final counters, exit 0", async () => {
    const executionId = await server.launch(await server.createProgram({ contacts: 30, offset: 0, maxConcurrentCalls: 3 }));
    const r = await run(CLI_JS, ["watch", executionId, "--url", server.url, "--key", server.key]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const final = (await server.rest("GET", `/api/program-executions/${executionId}`)).body;
    const lines = r.stdout.trimEnd().split("\n");
    // Not a TTY: no carriage returns or escape codes, and more than one progress line.
    expect(r.stdout).not.toMatch(/[\r\x1b]/);
    expect(lines.filter((l) => /contacts\/s$/.test(l)).length).toBeGreaterThan(1);
    expect(lines[lines.length - 2]).toBe(`execution ${executionId} COMPLETED after ${((Date.parse(final.actualEndAt) - Date.parse(final.actualStartAt)) / 1000).toFixed(1)} s`);
    expect(lines[lines.length - 1]).toBe(
      `final: total 30, completed ${final.contactsCompleted}, failed ${final.contactsFailed}, skipped ${final.contactsSkipped}, pending 0, in progress 0`,
    );
    expect(final.contactsCompleted + final.contactsFailed).toBe(30);
  });

  it("watch reads VOICECAST_URL and VOICECAST_API_KEY; a bad key exits 1 with a one-line message", async () => {
    const executionId = await server.launch(await server.createProgram({ contacts: 2, offset: 100, maxConcurrentCalls: 2 }));
    const r = await run(CLI_JS, ["watch", executionId], { VOICECAST_URL: server.url, VOICECAST_API_KEY: "wrong-key" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("voicecast: the server refused the API key (WebSocket closed 4403): pass --key KEY or set VOICECAST_API_KEY\n");
  });

  it("watch of an unknown id, or with no key at all, exits 1 and says why", async () => {
    const unknown = await run(CLI_JS, ["watch", "00000000-0000-4000-8000-000000000000", "--url", server.url, "--key", server.key]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("voicecast: no execution 00000000-0000-4000-8000-000000000000 in this organization (EXECUTION_NOT_FOUND)\n");
    const noKey = await run(CLI_JS, ["watch", "00000000-0000-4000-8000-000000000000", "--url", server.url]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toBe("voicecast: no API key: pass --key KEY or set VOICECAST_API_KEY\n");
  });

  it("executions lists the active executions as a table; a bad key exits 1", async () => {
    const slow = await ServerProcess.start({ VOICECAST_SIM_CALL_MS: "60000" });
    try {
      const programId = await slow.createProgram({ contacts: 3, offset: 0, maxConcurrentCalls: 1, name: "Slow campaign" });
      const executionId = await slow.launch(programId);
      await eventually(() => slow.rest("GET", `/api/program-executions/${executionId}`), (r) => r.body.contactsInProgress === 1, "the first call");
      const r = await run(CLI_JS, ["executions", "--url", slow.url, "--key", slow.key]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const [header, row, ...rest] = r.stdout.trimEnd().split("\n");
      expect(header.split(/\s{2,}/)).toEqual(["EXECUTION", "PROGRAM", "STATUS", "DONE", "COMPLETED", "FAILED", "SKIPPED", "IN PROGRESS", "PENDING", "TOTAL", "STARTED"]);
      expect(row.split(/\s{2,}/).slice(0, 10)).toEqual([executionId, "Slow campaign", "RUNNING", "0.0%", "0", "0", "0", "1", "2", "3"]);
      expect(rest).toEqual([]);
      const bad = await run(CLI_JS, ["executions", "--url", slow.url, "--key", "wrong-key"]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^voicecast: the server refused the API key \(HTTP 401 UNAUTHENTICATED\)/);
    } finally {
      slow.kill();
    }
  });

  it("the README's graphql-ws client example runs as printed and ends when the execution is finished", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const m = /<!-- example: graphql-ws client -->\s*```js\n([\s\S]*?)```/.exec(readme);
    expect(m, "the README's example block").not.toBeNull();
    const code = m![1].replace("ws://localhost:4000/graphql", `ws://127.0.0.1:${server.port}/graphql`);
    expect(code.split("\n").length).toBeLessThanOrEqual(25);
    // Under node_modules so that its imports resolve to this project's packages.
    const dir = join(ROOT, "node_modules", ".cache", "voicecast-readme");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "example.mjs");
    writeFileSync(file, code);
    const executionId = await server.launch(await server.createProgram({ contacts: 10, offset: 200, maxConcurrentCalls: 5 }));
    const r = await run(file, [executionId], { VOICECAST_API_KEY: server.key });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[lines.length - 1]).toBe("COMPLETED 10 / 10");
  });
});
