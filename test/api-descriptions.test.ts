import {
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "../src/http/rest/openapi";
import { buildGraphQLSchema } from "../src/http/schema";

// The API documents itself from one source (the zod schemas' descriptions), so both doors must be fully described
// and must describe the same objects with the same fields. Each check lists every offender at once.

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const doc = openApiDocument as Json;
const schemas: Record<string, Json> = doc.components.schemas;

/** The REST component of a GraphQL type: the same name, or `XUpdate` for the input type `XUpdateInput`. */
const restName = (graphqlName: string) => (graphqlName in schemas ? graphqlName : graphqlName.replace(/UpdateInput$/, "Update"));
/** GraphQL types with no REST counterpart (none yet): their fields are checked for descriptions only. */
const GRAPHQL_ONLY = new Set<string>([]);
const ROOTS = new Set(["Query", "Mutation", "Subscription"]);

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildGraphQLSchema();
});

const userTypes = () => Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith("__"));

describe("GraphQL schema", () => {
  it("describes every type, field, argument and enum value", () => {
    const missing: string[] = [];
    for (const type of userTypes()) {
      if (!type.description) missing.push(`type ${type.name}`);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`field ${type.name}.${field.name}`);
          for (const arg of "args" in field ? field.args : []) if (!arg.description) missing.push(`argument ${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`enum value ${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });

  it("has the same field names as the REST schema of the same object", () => {
    const drift: string[] = [];
    for (const type of userTypes()) {
      if (ROOTS.has(type.name) || GRAPHQL_ONLY.has(type.name) || isScalarType(type) || isEnumType(type) || isUnionType(type)) continue;
      if (!isObjectType(type) && !isInputObjectType(type)) continue;
      const rest = schemas[restName(type.name)];
      if (!rest) {
        drift.push(`${type.name}: no REST schema named ${restName(type.name)} (name it, or list the type as GraphQL-only)`);
        continue;
      }
      const graphql = Object.keys(type.getFields()).sort();
      const restFields = propertyNames(rest).sort();
      if (JSON.stringify(graphql) !== JSON.stringify(restFields)) drift.push(`${type.name}: GraphQL [${graphql}] vs REST ${restName(type.name)} [${restFields}]`);
    }
    expect(drift).toEqual([]);
  });
});

/** The property names of an object schema, of every member for a union. */
function propertyNames(s: Json): string[] {
  if (s.$ref) return propertyNames(schemas[s.$ref.split("/").pop()]);
  if (s.properties) return Object.keys(s.properties);
  const members: Json[] = s.oneOf ?? s.anyOf ?? s.allOf ?? [];
  return [...new Set(members.flatMap(propertyNames))];
}

describe("OpenAPI document", () => {
  it("describes every operation, parameter, request body and response", () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      for (const [method, op] of Object.entries<Json>(item)) {
        const at = `${method.toUpperCase()} ${path}`;
        if (!op.summary) missing.push(`${at}: summary`);
        if (!op.description) missing.push(`${at}: description`);
        for (const p of op.parameters ?? []) if (!p.description) missing.push(`${at}: parameter ${p.name}`);
        if (op.requestBody && !op.requestBody.description) missing.push(`${at}: request body`);
        for (const [status, res] of Object.entries<Json>(op.responses)) {
          const response = res.$ref ? doc.components.responses[res.$ref.split("/").pop()] : res;
          if (!response.description) missing.push(`${at}: response ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("describes every schema and every property of every schema, nested and inline ones included", () => {
    const missing: string[] = [];
    const described = (s: Json): boolean => Boolean(s.description) || (s.$ref && Boolean(schemas[s.$ref.split("/").pop()].description));
    const walk = (s: Json, at: string): void => {
      if (!s || typeof s !== "object") return;
      for (const [name, prop] of Object.entries<Json>(s.properties ?? {})) {
        if (!described(prop)) missing.push(`${at}.${name}`);
        walk(prop, `${at}.${name}`);
      }
      for (const key of ["oneOf", "anyOf", "allOf"]) (s[key] ?? []).forEach((m: Json, i: number) => walk(m, `${at}.${key}[${i}]`));
      if (s.items) walk(s.items, `${at}[]`);
      if (s.additionalProperties && typeof s.additionalProperties === "object") walk(s.additionalProperties, `${at}{}`);
    };
    for (const [name, s] of Object.entries(schemas)) {
      if (!s.description) missing.push(name);
      walk(s, name);
    }
    // Schemas written inline, outside the components: parameters', request bodies', responses' (error ones included).
    const inline = (content: Json, at: string) => {
      for (const [media, m] of Object.entries<Json>(content ?? {})) walk(m.schema, `${at} ${media}`);
    };
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      for (const [method, op] of Object.entries<Json>(item)) {
        const at = `${method.toUpperCase()} ${path}`;
        for (const p of op.parameters ?? []) walk(p.schema, `${at} parameter ${p.name}`);
        inline(op.requestBody?.content, `${at} request body`);
        for (const [status, res] of Object.entries<Json>(op.responses)) {
          inline(res.content, `${at} ${status}`);
          for (const [name, h] of Object.entries<Json>(res.headers ?? {})) if (!h.description) missing.push(`${at} ${status} header ${name}`);
        }
      }
    }
    for (const [name, res] of Object.entries<Json>(doc.components.responses)) {
      inline(res.content, `response ${name}`);
      for (const [header, h] of Object.entries<Json>(res.headers ?? {})) if (!h.description) missing.push(`response ${name} header ${header}`);
    }
    expect(missing).toEqual([]);
  });

  it("describes each file a download answers with, naming the record its rows hold", () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      for (const [method, op] of Object.entries<Json>(item)) {
        for (const [media, m] of Object.entries<Json>(op.responses["200"]?.content ?? {})) {
          if (media === "application/json") continue;
          if (!m.schema?.description) missing.push(`${method.toUpperCase()} ${path} ${media}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
