import { expect } from "vitest";

// Raw HTTP helpers for tests about what the server answers whatever it is sent.

// What no response of this server may contain: HTML, a stack frame, a file path, SQL (keywords in upper case, as
// the server writes its SQL: GraphQL's own messages say "select" in lower case).
const HTML = /<html|<!doctype|<pre>|<body/i;
const STACK_OR_PATH = /\bat (async )?\S+ \([^)]*:\d+:\d+\)|\bat [/\\]\S*:\d+:\d+|\.(ts|js|cjs|mjs):\d+|\/(work|home|usr|tmp|src|dist|node_modules)\//;
const SQL = /\bSELECT\b.*\bFROM\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bDELETE FROM\b/;

/** Whether a response text leaks HTML, a stack, a file path or SQL. */
export function leaks(text: string): boolean {
  return HTML.test(text) || STACK_OR_PATH.test(text) || SQL.test(text);
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RawResponse {
  status: number;
  type: string;
  text: string;
  /** The parsed JSON body; undefined when the body is not JSON. */
  body: Json;
  headers: Headers;
}

/** A raw request: status, content type, text and parsed body. */
export async function raw(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: left undefined, the caller's assertions say what was expected
  }
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, body, headers: res.headers };
}

export function expectJsonNoLeak(r: { status: number; type: string; text: string }): void {
  expect(r.type, r.text.slice(0, 300)).toMatch(/^application\/(graphql-response\+)?json/);
  expect(r.status, r.text.slice(0, 300)).toBeLessThan(500);
  expect(leaks(r.text), r.text.slice(0, 300)).toBe(false);
}

