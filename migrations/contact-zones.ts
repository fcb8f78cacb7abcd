import type { QueryRunner } from "typeorm";
import { timeZonesOf, zoneKeyOf } from "../src/modules/rules/time-zones";

// Data migration shared by both dialects: the time-zone set of every existing contact's number (new contacts get
// theirs when they are written), in keyset chunks so a large table never passes through memory at once.
export async function fillContactZones(q: QueryRunner, insertIgnore: string): Promise<void> {
  const CHUNK = 5000;
  for (let after = ""; ; ) {
    const rows: Array<{ id: string; primary_phone: string }> = await q.query("SELECT id, primary_phone FROM contacts WHERE id > ? ORDER BY id LIMIT " + CHUNK, [after]);
    if (rows.length === 0) return;
    const byKey = new Map<string, { zones: string[]; ids: string[] }>();
    for (const r of rows) {
      const zones = timeZonesOf(r.primary_phone);
      const key = zoneKeyOf(zones);
      if (!key) continue;
      const group = byKey.get(key) ?? { zones, ids: [] };
      group.ids.push(r.id);
      byKey.set(key, group);
    }
    for (const [key, { zones, ids }] of byKey) {
      await q.query(`${insertIgnore} INTO time_zone_sets (zone_key, time_zones) VALUES (?, ?)`, [key, zones.join("&")]);
      await q.query(`UPDATE contacts SET zone_key = ? WHERE id IN (${ids.map(() => "?").join(", ")})`, [key, ...ids]);
    }
    after = rows[rows.length - 1].id;
  }
}
