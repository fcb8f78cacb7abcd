import { z } from "zod";

// Descriptions are written once, on the zod schemas (`.describe()`), and read from there by the OpenAPI document and
// by the GraphQL decorators (`@Field({ description: doc(schema, "field") })`), so the two doors cannot drift apart.

type Schema = z.core.$ZodType;

/** The schema inside optional, nullable, default and readonly wrappers. */
function unwrap(schema: Schema): Schema {
  let s = schema;
  for (;;) {
    const def = s._zod.def as { type: string; innerType?: Schema };
    if (!def.innerType || !["optional", "nullable", "default", "prefault", "readonly", "nonoptional", "catch"].includes(def.type)) return s;
    s = def.innerType;
  }
}

function descriptionOf(schema: Schema): string | undefined {
  for (let s: Schema | undefined = schema; s; ) {
    const d = z.globalRegistry.get(s)?.description;
    if (d) return d;
    const next = unwrap(s);
    if (next !== s) {
      s = next;
      continue;
    }
    // A pipe (transform, preprocess, codec) is described on either end.
    const def = s._zod.def as { type: string; in?: Schema; out?: Schema };
    if (def.type !== "pipe") return undefined;
    return (def.out && descriptionOf(def.out)) || (def.in && descriptionOf(def.in)) || undefined;
  }
  return undefined;
}

/** The field's schema: an object's property, or the first member of a union that has it. */
function fieldSchema(schema: Schema, field: string): Schema | undefined {
  const s = unwrap(schema);
  const def = s._zod.def as { type: string; shape?: Record<string, Schema>; options?: Schema[]; in?: Schema };
  if (def.type === "object") return def.shape![field];
  if (def.type === "union") {
    for (const option of def.options!) {
      const found = fieldSchema(option, field);
      if (found) return found;
    }
  }
  if (def.type === "pipe") return fieldSchema(def.in!, field);
  return undefined;
}

/** The description of a schema, or of one of its fields; throws (at startup) when there is none. */
export function doc(schema: Schema, field?: string): string {
  const target = field === undefined ? schema : fieldSchema(schema, field);
  if (!target) throw new Error(`no field "${field}" to describe`);
  const description = descriptionOf(target);
  if (!description) throw new Error(`no description for ${field ?? "a schema"}`);
  return description;
}

/** The field names of an object schema (of every member, for a union), as the API writes them. */
export function fieldNames(schema: Schema): string[] {
  const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, unknown>; options?: Schema[] };
  if (def.type === "object") return Object.keys(def.shape!);
  if (def.type === "union") return [...new Set(def.options!.flatMap(fieldNames))];
  throw new Error(`not an object schema: ${def.type}`);
}

/**
 * An enum with what it is and what each value means: `description` lists the values (a field's description, for
 * OpenAPI); `intro` and `valuesConfig` describe the GraphQL enum type and its values (keyed by the TypeScript enum's
 * keys) with the same words.
 */
export function enumDocs<E extends Record<string, string>>(values: E, intro: string, meanings: Record<E[keyof E], string>) {
  const pairs = Object.entries(values) as Array<[keyof E & string, E[keyof E]]>;
  return {
    intro,
    description: describeValues(intro, meanings),
    valuesConfig: Object.fromEntries(pairs.map(([k, v]) => [k, { description: meanings[v] }])) as Record<keyof E, { description: string }>,
  };
}

/** Meanings of plain string values (no TypeScript enum), for a field's description. */
export function describeValues<V extends string>(intro: string, meanings: Record<V, string>): string {
  return `${intro}: ${Object.entries<string>(meanings)
    .map(([v, m]) => `\`${v}\` ${m}`)
    .join("; ")}.`;
}
