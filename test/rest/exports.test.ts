import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { connect } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ObjectLiteral, SelectQueryBuilder } from "typeorm";
import type { App } from "../../src/app";
import type { Reader } from "../../src/db/db";
import { getManyPlain } from "../../src/db/raw-rows";
import { CALL_ORDER_INDEX } from "../../src/modules/execution/execution.entity";
import { callsQuery, contactsQuery } from "../../src/modules/execution/execution.queries";
import { metricsText } from "../../src/shared/metrics";
import { parseCsv } from "../support/csv";
import { createProgramFixture, phones } from "../support/fixtures";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { expectError, Rest, restFor, sleep } from "./support";

// Exports of an execution's contacts and calls parse back (with a reader written apart from the service's writer)
// to exactly the rows the paged JSON listings answer, with the same filters, across many keyset chunks; values
// that need quoting (commas, quotes, line breaks, non-ASCII) survive; bad input is a JSON error before any byte;
// a client that goes away stops the export's query loop.

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The contract's columns, in order. */
const CONTACT_COLUMNS = ["contactId", "primaryPhone", "status", "skipReason", "attempts", "lastOutcome", "nextAttemptAt"];
const CALL_COLUMNS = ["id", "contactId", "attemptNumber", "outcome", "failureReason", "flowOutcome", "startedAt", "answeredAt", "endedAt", "durationMs", "fromNumber", "providerCallId"];

/** Values a CSV writer must quote. The snapshot's phone column holds 20 characters at most. */
const AWKWARD = ['carrier said "no", then hung up', "line one\r\nline two\nthree", "naïve — 東京, 🚀", ",", '"', "trailing space "];
const AWKWARD_PHONE = '+1,"41"\n5 ñ🚀';

describeEachDb("exports: CSV and NDJSON of an execution's contacts and calls", (target) => {
  let app: App;
  let api: Rest;
  let executionId: string;
  let contactIds: string[];

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
    const { organizationId, apiKey } = await newOrg(app);
    api = restFor(app, apiKey);
    const fx = await createProgramFixture(app, organizationId, { phones: phones(23) });
    executionId = (await app.services.executions.launch(organizationId, fx.programId)).id;
    contactIds = [...fx.contactIds].sort();
    // The snapshot and the attempts as a dispatcher leaves them, plus values only a careful writer gets right.
    await app.db.transaction(async (tx) => {
      const t = Date.now();
      const set = (i: number, sql: string, params: unknown[] = []) =>
        tx.execute(`UPDATE execution_contacts SET ${sql} WHERE execution_id = ? AND contact_id = ?`, [...params, executionId, contactIds[i]]);
      for (let i = 0; i < 6; i++) await set(i, "status = 'failed', attempts = 2, last_outcome = 'busy', next_attempt_at = NULL");
      for (let i = 6; i < 9; i++) await set(i, "status = 'completed', attempts = 1, last_outcome = 'completed', next_attempt_at = NULL");
      await set(9, "status = 'skipped', skip_reason = 'dnc', next_attempt_at = NULL");
      await set(10, "primary_phone = ?", [AWKWARD_PHONE]);
      let k = 0;
      for (let i = 0; i < 9; i++) {
        for (let n = 1; n <= (i < 6 ? 2 : 1); n++, k++) {
          // Several attempts share a start time, so the keyset must break ties (attempt number, then id).
          const started = t - 60_000 + (k % 3) * 1000;
          const answered = n === 1 && i >= 6;
          await tx.execute(
            `INSERT INTO call_attempts (id, execution_id, contact_id, attempt_number, outcome, failure_reason, flow_outcome, started_at, answered_at, ended_at, duration_ms, from_number, provider_call_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              randomUUID(),
              executionId,
              contactIds[i],
              n,
              answered ? "completed" : "busy",
              answered ? null : AWKWARD[k % AWKWARD.length],
              answered ? "completed" : null,
              started,
              answered ? started + 900 : null,
              started + 2000,
              answered ? 1100 : 0,
              "+14155550100",
              k % 2 ? `CA,"${k}"` : null,
            ],
          );
        }
      }
      // One attempt still running: nulls where a finished one has values.
      await tx.execute("INSERT INTO call_attempts (id, execution_id, contact_id, attempt_number, started_at) VALUES (?, ?, ?, 1, ?)", [randomUUID(), executionId, contactIds[12], t]);
    });
  });
  afterAll(async () => {
    if (app) app.services.exports.chunkSize = 1000;
    await app?.stop();
  });

  /** Every row of a JSON listing, page after page, reduced to the export's columns. */
  async function listing(kind: "contacts" | "calls", filter: string, columns: string[]): Promise<Json[]> {
    const rows: Json[] = [];
    for (let page = 1; ; page++) {
      const body = await api.ok("GET", `/program-executions/${executionId}/${kind}?limit=7&page=${page}${filter ? `&${filter}` : ""}`, 200);
      rows.push(...body.data);
      if (!body.meta.hasNextPage) break;
    }
    return rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));
  }

  async function expectExportIsListing(kind: "contacts" | "calls", filter: string, columns: string[]): Promise<number> {
    const expected = await listing(kind, filter, columns);
    const path = `/program-executions/${executionId}/${kind}/export`;
    const csv = await api.download(`${path}?format=csv${filter ? `&${filter}` : ""}`);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toBe(`attachment; filename="execution-${executionId}-${kind}.csv"`);
    expect(csv.text.endsWith("\r\n")).toBe(true);
    const [header, ...records] = parseCsv(csv.text);
    expect(header).toEqual(columns);
    expect(records).toEqual(expected.map((r) => columns.map((c) => (r[c] === null ? "" : String(r[c])))));

    const ndjson = await api.download(`${path}?format=ndjson${filter ? `&${filter}` : ""}`);
    expect(ndjson.headers.get("content-type")).toBe("application/x-ndjson");
    expect(ndjson.headers.get("content-disposition")).toBe(`attachment; filename="execution-${executionId}-${kind}.ndjson"`);
    const lines = ndjson.text === "" ? [] : ndjson.text.replace(/\n$/, "").split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual(expected);
    for (const l of lines) expect(Object.keys(JSON.parse(l))).toEqual(columns);
    return expected.length;
  }

  it("contacts: the listing's rows, order and filters, at chunk sizes that split it anywhere", async () => {
    for (const size of [1, 4, 23, 1000]) {
      app.services.exports.chunkSize = size;
      expect(await expectExportIsListing("contacts", "", CONTACT_COLUMNS)).toBe(23);
      expect(await expectExportIsListing("contacts", "status=failed", CONTACT_COLUMNS)).toBe(6);
    }
    expect(await expectExportIsListing("contacts", "status=skipped", CONTACT_COLUMNS)).toBe(1);
    expect(await expectExportIsListing("contacts", "status=inProgress", CONTACT_COLUMNS)).toBe(0);
    // The awkward phone came back exactly, through both formats (checked above); its CSV field was quoted.
    const csv = (await api.download(`/program-executions/${executionId}/contacts/export`)).text;
    expect(csv.startsWith(`${CONTACT_COLUMNS.join(",")}\r\n`)).toBe(true); // csv is the default format
    expect(csv).toContain(`"${AWKWARD_PHONE.replace(/"/g, '""')}"`);
  });

  it("calls: the listing's rows (newest first, ties broken), its contactId filter, awkward text intact", async () => {
    for (const size of [1, 2, 5, 1000]) {
      app.services.exports.chunkSize = size;
      expect(await expectExportIsListing("calls", "", CALL_COLUMNS)).toBe(16);
      expect(await expectExportIsListing("calls", `contactId=${contactIds[0]}`, CALL_COLUMNS)).toBe(2);
    }
    expect(await expectExportIsListing("calls", `contactId=${randomUUID()}`, CALL_COLUMNS)).toBe(0);
    const rows = parseCsv((await api.download(`/program-executions/${executionId}/calls/export?format=csv`)).text).slice(1);
    const reasons = new Set(rows.map((r) => r[CALL_COLUMNS.indexOf("failureReason")]));
    for (const text of AWKWARD) expect(reasons).toContain(text);
  });

  it("the exports' plain row mapping gives exactly TypeORM's entities, every column included", async () => {
    const queries: Array<[(r: Reader) => SelectQueryBuilder<ObjectLiteral>, string | undefined]> = [
      [(r) => contactsQuery(r, executionId, {}), undefined],
      [(r) => callsQuery(r, executionId, {}), CALL_ORDER_INDEX],
    ];
    for (const [query, forceIndex] of queries) {
      const viaTypeorm = await app.db.read((r) => query(r).getMany());
      expect(viaTypeorm.length).toBeGreaterThan(10);
      expect(await app.db.read((r) => getManyPlain(r, query(r), { forceIndex }))).toStrictEqual(viaTypeorm);
    }
  });

  it("an empty export: the header alone in CSV, nothing in NDJSON", async () => {
    const path = `/program-executions/${executionId}/contacts/export?status=inProgress`;
    expect((await api.download(`${path}&format=csv`)).text).toBe(`${CONTACT_COLUMNS.join(",")}\r\n`);
    expect((await api.download(`${path}&format=ndjson`)).text).toBe("");
  });

  it("bad input is a JSON error naming the field, an unknown execution its 404, before any byte of a file", async () => {
    for (const kind of ["contacts", "calls"]) {
      expectError(await api.get(`/program-executions/${executionId}/${kind}/export?format=xlsx`), 400, "ValidationError", /^format: must be one of csv, ndjson$/);
      expectError(await api.get(`/program-executions/${randomUUID()}/${kind}/export?format=csv`), 404, "ExecutionNotFoundError");
      expectError(await api.get(`/program-executions/not-an-id/${kind}/export`), 404, "ExecutionNotFoundError");
    }
    expectError(await api.get(`/program-executions/${executionId}/contacts/export?status=lost`), 400, "ValidationError", /^status: must be one of/);
    expectError(await api.get(`/program-executions/${executionId}/contacts/export?format=csv&format=ndjson`), 400, "ValidationError", /^format:/);
    // Another organization's execution does not exist for this key.
    const other = restFor(app, (await newOrg(app)).apiKey);
    expectError(await other.get(`/program-executions/${executionId}/calls/export`), 404, "ExecutionNotFoundError");
    expectError(await api.get(`/program-executions/${executionId}/calls/export`, { apiKey: null }), 401, "UnauthorizedError");
  });

  it("a client that goes away stops the export: no chunk is read after it leaves; HEAD reads none", async () => {
    const { organizationId, apiKey } = await newOrg(app);
    const fx = await createProgramFixture(app, organizationId, { phones: phones(2000, undefined, 100_000) });
    const id = (await app.services.executions.launch(organizationId, fx.programId)).id;
    app.services.exports.chunkSize = 1; // 2,000 queries: far longer than the client stays
    const before = await rowsRead();
    const abort = new AbortController();
    const res = await fetch(`${api.baseUrl}/program-executions/${id}/contacts/export?format=ndjson`, { headers: { "x-api-key": apiKey }, signal: abort.signal });
    expect(res.status).toBe(200);
    const first = await res.body!.getReader().read();
    expect(first.done).toBe(false);
    abort.abort();
    await sleep(300);
    const settled = await rowsRead();
    await sleep(500);
    expect(await rowsRead()).toBe(settled);
    expect(settled - before).toBeGreaterThan(0);
    expect(settled - before).toBeLessThan(2000);

    // HEAD answers the download's headers and reads nothing.
    const head = await fetch(`${api.baseUrl}/program-executions/${id}/contacts/export?format=csv`, { method: "HEAD", headers: { "x-api-key": apiKey } });
    expect([head.status, head.headers.get("content-type"), await head.text()]).toEqual([200, "text/csv; charset=utf-8", ""]);
    expect(head.headers.get("content-disposition")).toBe(`attachment; filename="execution-${id}-contacts.csv"`);
    await sleep(200);
    expect(await rowsRead()).toBe(settled);
    app.services.exports.chunkSize = 1000;
  });

  it("a client that stops reading holds the export back (backpressure), and leaving then ends it", async () => {
    const { organizationId, apiKey } = await newOrg(app);
    const fx = await createProgramFixture(app, organizationId, { phones: phones(1, undefined, 300_000) });
    const id = (await app.services.executions.launch(organizationId, fx.programId)).id;
    // 40,000 attempts of some 450 bytes each in NDJSON: about 18 MB, several times what the socket buffers hold.
    const total = 40_000;
    const long = "x".repeat(60);
    await app.db.transaction(async (tx) => {
      const series = tx.dialect.series(total);
      await tx.execute(
        `${series.with} INSERT INTO call_attempts (id, execution_id, contact_id, attempt_number, outcome, failure_reason, started_at, ended_at, duration_ms, from_number, provider_call_id)
         SELECT ${tx.dialect.uuid}, ?, ?, seq, 'failed', ?, 1000000 + seq, 1000500 + seq, 500, '+14155550100', ? FROM ${series.from}`,
        [id, fx.contactIds[0], long, long],
      );
    });
    app.services.exports.chunkSize = 100;
    const before = await rowsRead("calls");
    const socket = connect(app.port!, "127.0.0.1");
    await once(socket, "connect");
    // No reader: the socket stays paused, so once its buffers are full the server must stop reading rows.
    socket.write(`GET /api/program-executions/${id}/calls/export?format=ndjson HTTP/1.1\r\nHost: localhost\r\nx-api-key: ${apiKey}\r\n\r\n`);
    let settled = -1;
    for (let now = await rowsRead("calls"); now !== settled; now = await rowsRead("calls")) {
      settled = now;
      await sleep(500);
    }
    expect(settled - before).toBeGreaterThan(0);
    expect(settled - before).toBeLessThan(total / 2);
    socket.destroy();
    await sleep(500);
    expect(await rowsRead("calls")).toBe(settled);
    app.services.exports.chunkSize = 1000;
  });
});

/** Rows read by exports of this kind in this process so far (the export's own counter). */
async function rowsRead(kind: "contacts" | "calls" = "contacts"): Promise<number> {
  const m = new RegExp(`^voicecast_export_rows_total\\{export="${kind}"\\} (\\d+)$`, "m").exec(await metricsText());
  return m ? Number(m[1]) : 0;
}
