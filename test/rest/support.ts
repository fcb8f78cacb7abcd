import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { expect } from "vitest";
import type { App } from "../../src/app";
import { openApiDocument } from "../../src/http/rest/openapi";
import { phones, SIMPLE_FLOW } from "../support/fixtures";
import { expectCountersTrue, expectSumInvariant } from "../support/invariants";

// REST test support: a fetch client whose every response is checked against the committed OpenAPI document
// (status documented for the operation, body valid under its schema), so the document cannot drift from the code.

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RestResponse {
  status: number;
  body: Json;
  headers: Headers;
}

const doc = openApiDocument as Json;
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
// The document's top-level OpenAPI keys are not JSON Schema keywords: declare them so strict mode accepts the root.
ajv.addVocabulary(["openapi", "info", "servers", "security", "tags", "paths", "components"]);
ajv.addSchema(doc, "openapi.json");

const escape = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

export function validatorAt(pointer: string): ValidateFunction {
  const v = ajv.getSchema(`openapi.json#${pointer}`);
  if (!v) throw new Error(`no schema at ${pointer}`);
  return v;
}

/** Path templates, literal segments first so `/api/contact/upsert` wins over `/api/contact/{id}` (as in the router). */
const templates = Object.keys(doc.paths)
  .map((t) => ({ t, params: (t.match(/\{/g) ?? []).length, re: new RegExp(`^${t.replace(/\{\w+\}/g, "[^/]+")}/?$`) }))
  .sort((a, b) => a.params - b.params);

export function templateOf(path: string): string | null {
  return templates.find((x) => x.re.test(path))?.t ?? null;
}

/** `METHOD template status` of every response seen in this test file. */
export const seen = new Set<string>();

function expectValid(v: ValidateFunction, value: unknown, what: string): void {
  if (!v(value)) throw new Error(`${what} does not match the OpenAPI document: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 2000)}`);
}

/** Checks one real exchange against the document. */
export function checkAgainstOpenApi(method: string, path: string, res: RestResponse, requestBody: unknown): void {
  const m = method.toLowerCase();
  const template = templateOf(path);
  const op = template ? doc.paths[template][m] : undefined;
  if (!op) {
    // Not an operation: an unknown path (404) or an unsupported method on a known one (405), as the generic Error;
    // the key is checked first, so a keyless request there is a 401.
    expect([401, 404, 405], `${method} ${path} is not in the document yet answered ${res.status}`).toContain(res.status);
    expectValid(validatorAt("/components/schemas/Error"), res.body, `${method} ${path} ${res.status}`);
    if (res.status === 405) expect(res.headers.get("allow")).toBeTruthy();
    return;
  }
  const documented = op.responses[String(res.status)];
  expect(documented, `${method} ${template} answered ${res.status}, which the document does not list`).toBeDefined();
  const pointer = documented.$ref
    ? `${documented.$ref.slice(1)}/content/application~1json/schema`
    : `/paths/${escape(template!)}/${m}/responses/${res.status}/content/application~1json/schema`;
  expectValid(validatorAt(pointer), res.body, `${method} ${template} ${res.status} body`);
  if (res.status < 300 && requestBody !== undefined && op.requestBody) {
    expectValid(validatorAt(`/paths/${escape(template!)}/${m}/requestBody/content/application~1json/schema`), requestBody, `${method} ${template} request body`);
  }
  seen.add(`${method.toUpperCase()} ${template} ${res.status}`);
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (for broken JSON); with `contentType`. */
  raw?: string | Buffer;
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Override the client's key for this request (null: none). */
  apiKey?: string | null;
}

/** A REST client for one organization's key. Every response is JSON, never 5xx, and valid per the OpenAPI document. */
export class Rest {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string | null,
  ) {}

  as(apiKey: string | null): Rest {
    return new Rest(this.baseUrl, apiKey);
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<RestResponse> {
    const key = opts.apiKey === undefined ? this.apiKey : opts.apiKey;
    const headers: Record<string, string> = { ...(key ? { "x-api-key": key } : {}), ...opts.headers };
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    const contentType = opts.contentType === undefined ? (body !== undefined ? "application/json" : null) : opts.contentType;
    if (contentType) headers["content-type"] = contentType;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    expect(res.headers.get("content-type"), `${method} ${path}: ${text.slice(0, 200)}`).toMatch(/^application\/json/);
    expect(res.status, `${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`).toBeLessThan(500);
    const out: RestResponse = { status: res.status, body: JSON.parse(text), headers: res.headers };
    if (res.status >= 400) {
      expect(typeof out.body.error).toBe("string");
      expect(typeof out.body.message).toBe("string");
      expect(text).not.toMatch(/\bat .+\.(ts|js):\d+|SELECT |INSERT |UPDATE .+ SET /); // no stack, no SQL
    }
    checkAgainstOpenApi(method, new URL(`${this.baseUrl}${path}`).pathname, out, opts.body);
    return out;
  }

  /**
   * A download that must succeed (CSV, NDJSON): its Content-Type one the document lists for the operation's 200, a
   * Content-Disposition attachment with a file name. Answers the body as text.
   */
  async download(path: string): Promise<{ text: string; headers: Headers }> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: this.apiKey ? { "x-api-key": this.apiKey } : {} });
    const text = await res.text();
    expect(res.status, `GET ${path}: ${text.slice(0, 500)}`).toBe(200);
    const template = templateOf(new URL(`${this.baseUrl}${path}`).pathname);
    const documented = template ? doc.paths[template].get?.responses["200"] : undefined;
    expect(documented?.content, `GET ${path} is not a documented download`).toBeDefined();
    expect(Object.keys(documented.content)).toContain(res.headers.get("content-type"));
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="[\w.-]+"$/);
    seen.add(`GET ${template} 200`);
    return { text, headers: res.headers };
  }

  get = (path: string, opts?: RequestOptions) => this.request("GET", path, opts);
  post = (path: string, body?: unknown, opts?: RequestOptions) => this.request("POST", path, { ...opts, body });
  put = (path: string, body?: unknown, opts?: RequestOptions) => this.request("PUT", path, { ...opts, body });
  patch = (path: string, body?: unknown, opts?: RequestOptions) => this.request("PATCH", path, { ...opts, body });
  delete = (path: string, opts?: RequestOptions) => this.request("DELETE", path, opts);

  /** A request that must succeed with `status`; answers the body. */
  async ok(method: string, path: string, status: number, body?: unknown): Promise<Json> {
    const res = await this.request(method, path, { body });
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
    return res.body;
  }
}

export function restFor(app: App, apiKey: string | null): Rest {
  return new Rest(`http://127.0.0.1:${app.port}/api`, apiKey);
}

export function expectError(res: RestResponse, status: number, error: string, message?: string | RegExp): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error).toBe(error);
  if (typeof message === "string") expect(res.body.message).toBe(message);
  else if (message) expect(res.body.message).toMatch(message);
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The public ProgramExecution fields, in order. */
export const EXECUTION_FIELDS = [
  "id",
  "programId",
  "organizationId",
  "audienceId",
  "flowId",
  "flowVersion",
  "status",
  "totalContacts",
  "contactsCompleted",
  "contactsFailed",
  "contactsPending",
  "contactsInProgress",
  "contactsSkipped",
  "scheduledStartAt",
  "scheduledStopAt",
  "actualStartAt",
  "actualEndAt",
  "createdAt",
  "updatedAt",
  "sequence",
  // Added with the calling rules.
  "effectiveStatus",
  "autoPauseRules",
  "nodeRunCounts",
];

/** Field by field: exactly the contract's names, each of its type, dates ISO with milliseconds; the counter sum. */
export function expectExecutionShape(e: Json): void {
  expect(Object.keys(e)).toEqual(EXECUTION_FIELDS);
  for (const f of ["id", "programId", "organizationId", "audienceId", "flowId"]) expect(e[f], f).toMatch(UUID);
  expect(["scheduled", "running", "paused", "completed", "stopped", "cancelled"]).toContain(e.status);
  expect(e.effectiveStatus === e.status || (e.status === "paused" && /^paused_/.test(e.effectiveStatus)) || (e.status === "running" && e.effectiveStatus === "paused_window")).toBe(true);
  for (const f of ["flowVersion", "totalContacts", "contactsCompleted", "contactsFailed", "contactsPending", "contactsInProgress", "contactsSkipped", "sequence"]) {
    expect(Number.isInteger(e[f]), f).toBe(true);
  }
  for (const f of ["scheduledStartAt", "createdAt", "updatedAt"]) expect(e[f], f).toMatch(ISO_MS);
  for (const f of ["scheduledStopAt", "actualStartAt", "actualEndAt"]) if (e[f] !== null) expect(e[f], f).toMatch(ISO_MS);
  expectSumInvariant(e);
}

/** The shape check plus the database recount (GROUP BY) of the same execution. */
export async function expectExecutionTrue(app: App, e: Json): Promise<void> {
  expectExecutionShape(e);
  await expectCountersTrue(app.db, e.id);
}

export interface RestFixture {
  programId: string;
  audienceId: string;
  flowId: string;
  contactIds: string[];
}

let fixtureNo = 0;

/** Contacts → audience → flow → program, all through the gateway. */
export async function restFixture(api: Rest, opts: { count?: number; program?: Record<string, unknown> } = {}): Promise<RestFixture> {
  const n = ++fixtureNo;
  const list = phones(opts.count ?? 5, undefined, n * 1000);
  const upserted = await api.ok("POST", "/contact/upsert", 200, { data: list.map((primaryPhone) => ({ primaryPhone })) });
  const contactIds = upserted.data.map((c: Json) => c.id);
  const audience = await api.ok("POST", "/audience", 201, { name: `audience ${n}` });
  await api.ok("POST", `/audience/${audience.id}/add-contacts`, 200, { contacts: contactIds });
  const flow = await api.ok("POST", "/flows", 201, { name: `flow ${n}`, ...SIMPLE_FLOW });
  const program = await api.ok("POST", "/programs", 201, { name: `program ${n}`, audienceId: audience.id, flowId: flow.id, ...opts.program });
  return { programId: program.id, audienceId: audience.id, flowId: flow.id, contactIds };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
