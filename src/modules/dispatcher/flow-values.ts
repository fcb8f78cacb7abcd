// Values in a call flow: literals and value sources (variables, custom attributes, contact fields, system values),
// and how conditions compare them. Pure functions shared by every driver of the flow machine.

import { CONTACT_FIELDS, type ConditionOperator } from "../flow/flow.types";

export interface CallContact {
  id: string;
  phone: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  customAttributes: Record<string, unknown>;
}

/** Everything a value source can read. */
export interface ValueContext {
  variables: Readonly<Record<string, unknown>>;
  contact: CallContact;
  callId: string;
  programId: string;
  executionId: string;
  attemptNumber: number;
  answeredBy: "human" | "machine" | "unknown" | null;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Own properties only, so names like "constructor" or "__proto__" never read the prototype chain.
function own(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Resolves a literal or a value source; unknown variables and attributes read as null. Throws on a bad source. */
export function resolveValue(value: unknown, ctx: ValueContext): unknown {
  if (!isObject(value)) {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      return value;
    throw new Error(`not a value: ${JSON.stringify(value)}`);
  }
  switch (value.source) {
    case "variable": {
      return own(ctx.variables, String(value.variableName)) ?? null;
    }
    case "customAttribute":
      return own(ctx.contact.customAttributes, String(value.attributeName)) ?? null;
    case "contactField": {
      const field = value.field;
      if (typeof field !== "string" || !(CONTACT_FIELDS as readonly string[]).includes(field))
        throw new Error(`unknown contact field ${JSON.stringify(field)}`);
      return (ctx.contact as unknown as Record<string, unknown>)[field] ?? null;
    }
    case "system":
      switch (value.name) {
        case "sys.callId":
          return ctx.callId;
        case "sys.contactId":
          return ctx.contact.id;
        case "sys.contactPhone":
          return ctx.contact.phone;
        case "sys.programId":
          return ctx.programId;
        case "sys.executionId":
          return ctx.executionId;
        case "sys.attemptNumber":
          return ctx.attemptNumber;
        case "sys.answeredBy":
          return ctx.answeredBy;
        default:
          throw new Error(`unknown system value ${JSON.stringify(value.name)}`);
      }
    default:
      throw new Error(`unknown value source ${JSON.stringify(value.source)}`);
  }
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** A number, or a string that reads as a decimal number (DTMF digits and attributes often arrive as strings). */
function asNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && DECIMAL.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

function isEqual(left: unknown, right: unknown): boolean {
  if (left == null || right == null) return left == null && right == null;
  const l = asNumber(left);
  const r = asNumber(right);
  if (l !== null && r !== null) return l === r;
  return asText(left) === asText(right);
}

/**
 * One comparison: numerically when both sides read as numbers, as strings otherwise (case-sensitive).
 * null equals only null, and any ordering or text test with a null side is false.
 */
export function compareValues(operator: ConditionOperator, left: unknown, right: unknown): boolean {
  if (operator === "eq") return isEqual(left, right);
  if (operator === "neq") return !isEqual(left, right);
  if (left == null || right == null) return false;
  const l = asNumber(left);
  const r = asNumber(right);
  const numeric = l !== null && r !== null;
  const ls = asText(left);
  const rs = asText(right);
  switch (operator) {
    case "gt":
      return numeric ? (l as number) > (r as number) : ls > rs;
    case "lt":
      return numeric ? (l as number) < (r as number) : ls < rs;
    case "gte":
      return numeric ? (l as number) >= (r as number) : ls >= rs;
    case "lte":
      return numeric ? (l as number) <= (r as number) : ls <= rs;
    case "contains":
      return ls.includes(rs);
    case "startsWith":
      return ls.startsWith(rs);
    case "endsWith":
      return ls.endsWith(rs);
  }
}

