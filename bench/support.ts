// Shared bench setup: a fresh organization with N contacts in one audience, inserted by SQL in the database
// (MariaDB's sequence engine), so setup is quick and never passes through Node.
import { randomUUID } from "node:crypto";
import { cpus, totalmem } from "node:os";
import type { Db } from "../src/db/db";

export async function seedAudience(db: Db, organizationId: string, size: number): Promise<{ audienceId: string }> {
  if (db.dialect !== "mysql") throw new Error("bench seeding uses MariaDB's sequence engine: run it with a mariadb:// URL");
  const audienceId = randomUUID();
  const now = Date.now();
  const areaCodes = [415, 212, 310, 512, 617, 702, 808, 907, 303, 206];
  await db.transaction(async (tx) => {
    await tx.execute("INSERT INTO audiences (id, organization_id, name, description, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)", [
      audienceId,
      organizationId,
      `bench ${size}`,
      now,
      now,
    ]);
    // Phones: +1 <area> 2xxxxxx — unique, valid US numbers; up to 10 area codes × 7,999,999.
    for (let i = 0, chunk = 0; i < size; i += 500_000, chunk++) {
      const n = Math.min(500_000, size - i);
      await tx.execute(
        `INSERT INTO contacts (id, organization_id, primary_phone, first_name, last_name, primary_email, custom_attributes, created_at, updated_at)
         SELECT UUID(), ?, CONCAT('+1', ?, 2000000 + seq), NULL, NULL, NULL, '{}', ?, ? FROM seq_1_to_${n}`,
        [organizationId, areaCodes[chunk % areaCodes.length], now, now],
      );
    }
    await tx.execute("INSERT INTO audience_contacts (audience_id, contact_id, created_at) SELECT ?, id, ? FROM contacts WHERE organization_id = ?", [
      audienceId,
      now,
      organizationId,
    ]);
  });
  return { audienceId };
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
