import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  describeWithBrowser,
  eventually,
  launchChromium,
  pageCounters,
  restCounters,
  screenshot,
  ServerProcess,
  signIn,
} from "./support";

// The dashboard in a real Chromium against a real server process (SQLite, simulated calls). Everything the page
// shows is checked against what the REST API answers for the same execution.
describeWithBrowser("dashboard in Chromium", () => {
  let server: ServerProcess;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const newPage = async (viewport = { width: 1280, height: 800 }): Promise<Page> => {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    return context.newPage();
  };

  beforeAll(async () => {
    server = await ServerProcess.start({ VOICECAST_SIM_CALL_MS: "400" });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    server?.kill();
  });

  it("/ redirects to the dashboard, and a bad key is refused plainly", async () => {
    const r = await fetch(`${server.url}/`, { redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/dashboard/");

    const page = await newPage();
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/");
    await page.fill('input[name="apiKey"]', "not-a-real-key");
    await page.click('button[type="submit"]');
    const error = page.locator('[data-error="sign-in"]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/refused.*401 UNAUTHENTICATED/);
    // Nothing was kept: a reload asks again.
    expect(await page.evaluate<number>("sessionStorage.length")).toBe(0);
    await screenshot(page, "dashboard-sign-in-refused.png");
  });

  it("a running execution's counters on the page reach the final numbers the REST API answers", async () => {
    const programId = await server.createProgram({ contacts: 40, offset: 0, maxConcurrentCalls: 4, name: "Spring reminders" });
    const executionId = await server.launch(programId);
    const page = await newPage();
    await signIn(page, server.url, server.key, `/dashboard/executions/${executionId}`);
    // Seen while it runs, not only at the end.
    await page.waitForSelector('[data-field="status"][data-value="RUNNING"]');
    const during = await eventually(() => pageCounters(page), (c) => c.contactsCompleted + c.contactsFailed >= 12, "a third of the calls to end on the page");
    expect(during.totalContacts).toBe(40);
    expect(during.contactsPending).toBeGreaterThan(0);
    await screenshot(page, "dashboard-execution.png");
    const final = await eventually(() => server.rest("GET", `/api/program-executions/${executionId}`), (r) => r.body.actualEndAt !== null, "the execution to finish", 60_000);
    await eventually(() => pageCounters(page), (c) => JSON.stringify(c) === JSON.stringify(restCounters(final.body)), "the page to show the final counters");
    expect(await page.getAttribute('[data-field="status"]', "data-value")).toBe("COMPLETED");
    expect(Number(await page.textContent('[data-field="sequence"]'))).toBe(final.body.sequence);
    // The contacts panel lists them, with attempts one click away.
    await page.click('button:has-text("Attempts") >> nth=0');
    await page.waitForSelector(".attempts li");
    expect(await page.textContent(".attempts li")).toMatch(/#1 (completed|voicemail|noAnswer|busy|rejected)/);
    await screenshot(page, "dashboard-execution-finished.png");
    await page.click('a:has-text("Executions") >> nth=0');
    await page.waitForSelector(`tr[data-execution-id="${executionId}"]`);
    await screenshot(page, "dashboard-executions.png");

    // The list shows it among the recent ones; at phone width everything still fits the viewport.
    const phone = await newPage({ width: 390, height: 844 });
    await signIn(phone, server.url, server.key);
    await phone.waitForSelector(`tr[data-execution-id="${executionId}"]`);
    await phone.goto(`${server.url}/dashboard/executions/${executionId}`);
    await phone.waitForSelector('[data-counter="contactsCompleted"]');
    const overflow = await phone.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone, "dashboard-execution-phone.png");
  });

  it("pause and resume from the page change the execution; a refused move shows the API's message", async () => {
    const programId = await server.createProgram({ contacts: 60, offset: 1000, maxConcurrentCalls: 2 });
    const executionId = await server.launch(programId);
    const page = await newPage();
    await signIn(page, server.url, server.key, `/dashboard/executions/${executionId}`);
    await page.waitForSelector('[data-field="status"][data-value="RUNNING"]');

    // Launching the same program again from the Programs page is refused with the API's conflict message.
    const programs = await newPage();
    await signIn(programs, server.url, server.key, "/dashboard/programs");
    const row = programs.locator(`tr[data-program-id="${programId}"]`);
    await row.locator('[data-action="launch"] button').click();
    await row.locator('[data-confirm="launch"]').click();
    const conflict = row.locator('[data-error="launch"]');
    await conflict.waitFor();
    expect(await conflict.textContent()).toBe("Program already has a running execution");
    await screenshot(programs, "dashboard-programs-launch-refused.png");

    // Every action asks first; keyboard reaches it.
    await page.focus('[data-action="pause"] button');
    await page.keyboard.press("Enter");
    await page.click('[data-confirm="pause"]');
    await eventually(() => server.rest("GET", `/api/program-executions/${executionId}`), (r) => r.body.status === "paused", "the execution to be paused");
    await page.waitForSelector('[data-field="status"][data-value="PAUSED"]');

    await page.click('[data-action="resume"] button');
    await page.click('[data-confirm="resume"]');
    await eventually(() => server.rest("GET", `/api/program-executions/${executionId}`), (r) => r.body.status === "running", "the execution to be running again");
    await page.waitForSelector('[data-field="status"][data-value="RUNNING"]');

    // The page asks to resume while the execution is paused; meanwhile someone cancels it through the API; the
    // confirmed resume is refused and the page shows the API's own message.
    await page.click('[data-action="pause"] button');
    await page.click('[data-confirm="pause"]');
    await page.waitForSelector('[data-field="status"][data-value="PAUSED"]');
    await page.click('[data-action="resume"] button');
    expect((await server.rest("DELETE", `/api/program-executions/${executionId}`)).body.status).toBe("cancelled");
    await page.waitForSelector('[data-field="status"][data-value="CANCELLED"]');
    await page.click('[data-confirm="resume"]');
    const refused = await server.rest("PATCH", `/api/program-executions/${executionId}/resume`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe("InvalidExecutionStateError");
    const shown = page.locator('[data-error="resume"]');
    await shown.waitFor();
    expect(await shown.textContent()).toBe(refused.body.message);
    await screenshot(page, "dashboard-refused-move.png");
  });

  it("after the server closes its WebSocket (restart on the same port and database), the page reconnects and shows the true counters without a reload", async () => {
    const programId = await server.createProgram({ contacts: 40, offset: 2000, maxConcurrentCalls: 2 });
    const executionId = await server.launch(programId);
    const page = await newPage();
    await signIn(page, server.url, server.key, `/dashboard/executions/${executionId}`);
    await page.waitForSelector('[data-field="status"][data-value="RUNNING"]');
    await page.evaluate("window.loadedOnce = true");

    await server.stop();
    await page.waitForSelector('[data-connection="reconnecting"]');
    await screenshot(page, "dashboard-reconnecting.png");
    await server.restart();
    await page.waitForSelector('[data-connection="live"]', { timeout: 30_000 });

    const final = await eventually(() => server.rest("GET", `/api/program-executions/${executionId}`), (r) => r.body.actualEndAt !== null, "the execution to finish", 90_000);
    await eventually(() => pageCounters(page), (c) => JSON.stringify(c) === JSON.stringify(restCounters(final.body)), "the page to show the final counters");
    expect(Number(await page.textContent('[data-field="sequence"]'))).toBe(final.body.sequence);
    // The same document: it was never reloaded.
    expect(await page.evaluate<boolean>("window.loadedOnce === true")).toBe(true);
  });
});
