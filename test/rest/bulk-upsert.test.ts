import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { phones } from "../support/fixtures";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { expectError, ISO_MS, Rest, restFor } from "./support";

// POST /api/contact/upsert: up to 10,000 rows in one request, matched by phone, all-or-nothing.

const N = 10_000;

async function contactCount(api: Rest): Promise<number> {
  return (await api.ok("GET", "/contact?limit=1", 200)).meta.total;
}

describeEachDb("REST gateway: bulk contact upsert", (target) => {
  let app: App;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("10,000 contacts in one request; a second upsert updates them by phone, never duplicates", async () => {
    const api = restFor(app, (await newOrg(app)).apiKey);
    const list = phones(N);
    // Full rows (names, email, attributes): the body limit must fit a realistic 10,000-row upsert.
    const rows = list.map((primaryPhone, i) => ({
      primaryPhone,
      firstName: `First${i}`,
      lastName: "Lastname-Example",
      primaryEmail: `contact.${i}@example.com`,
      customAttributes: { segment: i % 2 ? "gold" : "silver", index: i },
    }));
    expect(JSON.stringify({ data: rows }).length).toBeGreaterThan(1_000_000);

    const first = await api.post("/contact/upsert", { data: rows });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(N);
    expect(first.body.data.map((c: { primaryPhone: string }) => c.primaryPhone)).toEqual(list); // request order
    expect(first.body.data[7]).toMatchObject({ firstName: "First7", primaryEmail: "contact.7@example.com", customAttributes: { segment: "gold", index: 7 } });
    expect(first.body.data[7].createdAt).toMatch(ISO_MS);
    expect(await contactCount(api)).toBe(N);

    // Second pass, 10,000 rows again: 9,995 known phones change one field and leave the others out (they keep
    // their stored values); 5 phones are new.
    const known = list.slice(0, N - 5);
    const extra = phones(5, undefined, N);
    const second = await api.post("/contact/upsert", { data: [...known.map((primaryPhone) => ({ primaryPhone, lastName: "Updated" })), ...extra.map((primaryPhone) => ({ primaryPhone }))] });
    expect(second.status).toBe(200);
    expect(second.body.data).toHaveLength(N);
    expect(await contactCount(api)).toBe(N + 5);
    const ids = new Map(first.body.data.map((c: { primaryPhone: string; id: string }) => [c.primaryPhone, c.id]));
    second.body.data.slice(0, N - 5).forEach((c: { primaryPhone: string; id: string }) => expect(c.id).toBe(ids.get(c.primaryPhone)));
    second.body.data.slice(N - 5).forEach((c: { primaryPhone: string; id: string }) => expect(ids.has(c.primaryPhone)).toBe(false));
    expect(second.body.data[7]).toMatchObject({ firstName: "First7", lastName: "Updated", primaryEmail: "contact.7@example.com", customAttributes: { index: 7 } });
    const stored = await api.ok("GET", `/contact/${first.body.data[7].id}`, 200);
    expect(stored.lastName).toBe("Updated");
  });

  it("one invalid row rejects the whole request, listing every bad row by index and reason; nothing is written", async () => {
    const api = restFor(app, (await newOrg(app)).apiKey);
    await api.ok("POST", "/contact/upsert", 200, { data: phones(3).map((primaryPhone) => ({ primaryPhone, firstName: "Before" })) });
    const rows: Array<Record<string, unknown>> = phones(N).map((primaryPhone) => ({ primaryPhone, firstName: "After" }));
    rows[17] = { primaryPhone: "555-0100" };
    rows[4242] = { primaryPhone: "+14155550100", primaryEmail: "not-an-email" };
    rows[9999] = { primaryPhone: rows[0].primaryPhone };
    const res = await api.post("/contact/upsert", { data: rows });
    expectError(res, 400, "ValidationError");
    const problems = res.body.details.problems as Array<{ field: string; message: string }>;
    expect(problems.map((p) => p.field)).toEqual(["data[17].primaryPhone", "data[4242].primaryEmail", "data[9999].primaryPhone"]);
    expect(problems[0].message).toMatch(/E\.164/);
    expect(problems[1].message).toMatch(/email/);
    expect(problems[2].message).toMatch(/repeats the phone of data\[0\]/);
    for (const p of problems) expect(res.body.message).toContain(`${p.field}: ${p.message}`);

    // Nothing written: the 3 first contacts are unchanged, none of the valid new rows exists.
    expect(await contactCount(api)).toBe(3);
    const page = await api.ok("GET", "/contact", 200);
    expect(page.data.map((c: { firstName: string }) => c.firstName)).toEqual(["Before", "Before", "Before"]);
  });

  it("more than 10,000 rows, none, or not an array → 400 naming data", async () => {
    const api = restFor(app, (await newOrg(app)).apiKey);
    expectError(await api.post("/contact/upsert", { data: phones(N + 1).map((primaryPhone) => ({ primaryPhone })) }), 400, "ValidationError", /^data: must hold at most 10000/);
    expectError(await api.post("/contact/upsert", { data: [] }), 400, "ValidationError", /^data: must hold at least one/);
    expectError(await api.post("/contact/upsert", { data: "+14155550123" }), 400, "ValidationError", /^data: must be an array/);
    expectError(await api.post("/contact/upsert", { data: [{ primaryPhone: "+14155550123", favouriteColour: "red" }] }), 400, "ValidationError", /data\[0\]/);
    expect(await contactCount(api)).toBe(0);
  });
});
