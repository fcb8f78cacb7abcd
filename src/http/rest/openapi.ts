import { z } from "zod";
import { doc } from "../../shared/docs";
import { ERROR_TABLE } from "../../shared/errors";
import { EXPORT_MEDIA_TYPES } from "../../shared/export-format";
import { errorSchema } from "./error.schema";
import { COMPONENTS, TAGS } from "./openapi-components";
import { type DownloadRoute, isDownload, type RestRoute } from "./route";
import { ROUTES } from "./routes";

// The OpenAPI 3.1 document of the REST gateway, served at GET /api/openapi.json, generated from the zod schemas the
// gateway reads and writes with (zod's own JSON Schema output) and from the route table: it cannot drift from the
// code. The REST tests also validate every real response against it. Error responses come from ERROR_TABLE, the
// table toRestError maps with.

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

/** zod's JSON Schema made quieter: no per-schema `$schema`/`$id`, no safe-integer bounds nobody asked for. */
function tidy(json: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = json;
  return rest;
}

const jsonOptions = (io: "input" | "output") => ({
  io,
  override: ({ jsonSchema }: { jsonSchema: Json }) => {
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    // The format says it; zod's long regular expression for it only makes the document harder to read.
    if (jsonSchema.format === "uuid" || jsonSchema.format === "email") delete jsonSchema.pattern;
  },
});

/** A parameter's schema: its description is the parameter's. */
function parameterSchema(schema: z.ZodType): Json {
  const { description: _, ...json } = tidy(z.toJSONSchema(schema, jsonOptions("input")) as Json);
  return json;
}

/** The components of one direction, with `$ref`s between them, and the name of each schema. */
function componentsOf(io: "input" | "output") {
  const registry = z.registry<{ id: string }>();
  const names = new Map<z.ZodType, string>();
  for (const [name, schema] of Object.entries<z.ZodType>(COMPONENTS[io])) {
    registry.add(schema, { id: name });
    names.set(schema, name);
  }
  const { schemas } = z.toJSONSchema(registry, { ...jsonOptions(io), uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  if ("__shared" in schemas) throw new Error("a schema shared by two components needs a name of its own in COMPONENTS");
  return { schemas: Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, tidy(v)])), names };
}

const output = componentsOf("output");
const input = componentsOf("input");

function named(names: Map<z.ZodType, string>, schema: z.ZodType, what: string): Json {
  const name = names.get(schema);
  if (!name) throw new Error(`${what} is not a named schema: add it to COMPONENTS`);
  return ref(name);
}

/** One response per HTTP status of ERROR_TABLE, its `error` names listed. */
const errorResponses: Record<string, Json> = {};
for (const status of [...new Set(Object.values(ERROR_TABLE).map((e) => e.http))]) {
  const names = [
    ...new Set(
      Object.values(ERROR_TABLE)
        .filter((e) => e.http === status)
        .map((e) => e.rest),
    ),
  ];
  errorResponses[`Error${status}`] = {
    description: names.join(", "),
    ...(status === 405 ? { headers: { Allow: { schema: { type: "string" }, description: "The methods the path supports" } } } : {}),
    ...(status === 429 || status === 503 ? { headers: { "Retry-After": { schema: { type: "string" }, description: "Seconds to wait before retrying" } } } : {}),
    content: {
      "application/json": {
        schema: { allOf: [ref("Error"), { type: "object", properties: { error: { type: "string", enum: names, description: `${doc(errorSchema, "error")}: at ${status}, one of these` } } }] },
      },
    },
  };
}

/**
 * Statuses any operation may answer: bad input (query, JSON), key, unknown id or path, method, body size and type,
 * the key's request rate (429), and the database out of reach (503).
 */
const COMMON_ERRORS = [400, 401, 404, 405, 413, 415, 429, 500, 503];

function parameters(r: RestRoute): Json[] {
  const out: Json[] = [];
  if (r.id)
    out.push({
      name: "id",
      in: "path",
      required: true,
      description: `The ${r.id.toLowerCase()}'s id (an unknown or malformed id, or another organization's, answers 404)`,
      schema: { type: "string" },
    });
  if (r.pathParam) out.push({ name: r.pathParam.name, in: "path", required: true, description: r.pathParam.description, schema: { type: "string" } });
  for (const [name, schema] of Object.entries(r.query?.shape ?? {}))
    out.push({ name, in: "query", description: doc(schema), schema: parameterSchema(schema) });
  for (const [name, schema] of Object.entries(r.headers ?? {}))
    out.push({ name, in: "header", description: doc(schema), schema: parameterSchema(schema) });
  return out;
}

/** A download's success: the file in each format, its columns and lines the record's fields. */
function downloadResponse(r: DownloadRoute): Json {
  const { description, record } = r.download;
  const name = (named(output.names, record, `${r.operationId}'s record`).$ref as string).split("/").pop();
  const columns = Object.keys(record.shape).join(", ");
  return {
    description: `${description}: CSV (format=csv) or NDJSON (format=ndjson)`,
    headers: { "Content-Disposition": { schema: { type: "string" }, description: "attachment, with the file's name (`<what>.csv` or `<what>.ndjson`)" } },
    content: {
      [EXPORT_MEDIA_TYPES.csv]: {
        schema: { type: "string", description: `A header row (${columns}), then one row per ${name}: RFC 4180 quoting, CRLF line ends, UTF-8; an empty field is null` },
      },
      [EXPORT_MEDIA_TYPES.ndjson]: { schema: { type: "string", description: `One ${name} per line, as a JSON object with the fields ${columns}` } },
    },
  };
}

function operation(r: RestRoute): Json {
  const responses: Json = {
    [r.status]: isDownload(r)
      ? downloadResponse(r)
      : { description: doc(r.response), content: { "application/json": { schema: named(output.names, r.response, `${r.operationId}'s response`) } } },
  };
  for (const s of [...COMMON_ERRORS, ...(r.errors ?? [])].sort()) responses[s] = { $ref: `#/components/responses/Error${s}` };
  const params = parameters(r);
  return {
    operationId: r.operationId,
    summary: r.summary,
    description: r.description ?? `${r.summary}.`,
    tags: [r.tag],
    ...(params.length ? { parameters: params } : {}),
    ...(r.body
      ? {
          requestBody: {
            required: r.body.required,
            description: doc(r.body.schema),
            content: { "application/json": { schema: named(input.names, r.body.schema, `${r.operationId}'s body`) } },
          },
        }
      : {}),
    responses,
  };
}

const paths: Record<string, Json> = {
  "/api/openapi.json": {
    get: {
      operationId: "getOpenApiDocument",
      summary: "This document (no key needed)",
      description: "The OpenAPI 3.1 description of the REST gateway, generated from the schemas it reads and writes with.",
      tags: ["Meta"],
      security: [],
      responses: { 200: { description: "The OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } } },
    },
  },
};
for (const r of ROUTES) (paths[`/api${r.path}`] ??= {})[r.method] = operation(r);

const clash = Object.keys(output.schemas).find((name) => name in input.schemas);
if (clash) throw new Error(`${clash} names both an input and an output schema`);

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Voicecast REST gateway",
    version: "0.1.0",
    description:
      "Outbound voice-call campaigns for curl users. Send the API key in `x-api-key` (or `Authorization: Bearer`). " +
      "Errors are JSON `{ error, message }`; a ValidationError's message names every bad field. Dates are ISO-8601 UTC " +
      "with milliseconds. The GraphQL API at /graphql offers the same operations with the same descriptions.",
  },
  servers: [{ url: "http://localhost:4000" }],
  security: [{ apiKey: [] }, { bearer: [] }],
  tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  paths,
  components: {
    securitySchemes: {
      apiKey: { type: "apiKey", in: "header", name: "x-api-key", description: "The organization's API key" },
      bearer: { type: "http", scheme: "bearer", description: "The organization's API key as a bearer token" },
    },
    schemas: { ...output.schemas, ...input.schemas },
    responses: errorResponses,
  },
};
