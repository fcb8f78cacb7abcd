import type { Reader } from "../../db/db";

/** The organization's time zone (pause windows are in it; callees without a zone are judged in it). */
export async function organizationZone(r: Reader, organizationId: string): Promise<string> {
  const [row] = await r.query<{ timezone: string }>("SELECT timezone FROM organizations WHERE id = ?", [organizationId]);
  return row?.timezone ?? "UTC";
}

/** The zones behind zone keys. */
export async function zoneSets(r: Reader, keys: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const wanted = keys.filter(Boolean);
  if (wanted.length === 0) return out;
  const rows = await r.query<{ zone_key: string; time_zones: string }>(`SELECT zone_key, time_zones FROM time_zone_sets WHERE zone_key IN (${wanted.map(() => "?").join(", ")})`, wanted);
  for (const row of rows) out.set(String(row.zone_key), String(row.time_zones).split("&"));
  return out;
}
