import type { IncomingHttpHeaders } from "node:http";

/** The API key from `x-api-key`, or `Authorization: Bearer <key>`. */
export function apiKeyFrom(headers: IncomingHttpHeaders | Record<string, unknown>): string | null {
  const direct = headers["x-api-key"];
  if (typeof direct === "string" && direct.trim()) return direct.trim();
  const auth = headers["authorization"];
  if (typeof auth === "string") {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1].trim();
  }
  return null;
}
