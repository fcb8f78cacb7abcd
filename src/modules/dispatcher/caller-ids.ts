import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { Tx } from "../../db/db";
import { EmptyDidPoolError } from "../did/did.service";
import { marks } from "./dispatch.store";

// Caller-ID rotation: each call takes the least recently used active DID of its program's pool for that execution,
// preferring one with the callee's area code (+1 numbers), then the callee's country, then any. The pool is read
// at each claim, so pool edits apply to running executions.

/** The caller ID the simulator shows when a program has no DID pool. */
export const SIMULATOR_CALLER_ID = "+15005550006";


interface PoolDid {
  id: string;
  number: string;
  country: string;
  lastUsedAt: number;
}

/** NANP area code of a +1 number, else null. */
function areaCode(e164: string): string | null {
  return e164.startsWith("+1") && e164.length === 12 ? e164.slice(2, 5) : null;
}

const countries = new Map<string, string | null>();
function countryOf(e164: string): string | null {
  let c = countries.get(e164);
  if (c === undefined) {
    c = parsePhoneNumberFromString(e164)?.country ?? null;
    if (countries.size > 100_000) countries.clear();
    countries.set(e164, c);
  }
  return c;
}

/**
 * Picks a caller ID for each of `phones` (in order) and records the use, in the claim's transaction (which holds
 * the execution row, so concurrent claimers of one execution take turns). Without a pool: `fallback`, or
 * EmptyDidPoolError when the provider needs a real DID.
 */
export async function pickCallerIds(
  tx: Tx,
  e: { id: string; programId: string; organizationId: string },
  phones: string[],
  now: number,
  fallback: string | null,
): Promise<string[]> {
  const program = await tx.query<{ did_pool: string | null }>("SELECT did_pool FROM programs WHERE id = ?", [e.programId]);
  const poolIds: string[] = program[0]?.did_pool ? JSON.parse(program[0].did_pool) : [];
  const pool: PoolDid[] = [];
  if (poolIds.length > 0) {
    const rows = await tx.query<Record<string, unknown>>(
      `SELECT d.id, d.number, d.country, u.last_used_at FROM dids d
       LEFT JOIN execution_did_usage u ON u.execution_id = ? AND u.did_id = d.id
       WHERE d.organization_id = ? AND d.status = 'active' AND d.id IN (${marks(poolIds.length)})`,
      [e.id, e.organizationId, ...poolIds],
    );
    for (const r of rows) pool.push({ id: String(r.id), number: String(r.number), country: String(r.country), lastUsedAt: r.last_used_at == null ? 0 : Number(r.last_used_at) });
  }
  if (pool.length === 0) {
    if (fallback === null) throw new EmptyDidPoolError(e.programId);
    return phones.map(() => fallback);
  }

  const used = new Set<PoolDid>();
  const picked = phones.map((phone, i) => {
    const area = areaCode(phone);
    const tiers = [area ? pool.filter((d) => areaCode(d.number) === area) : [], pool.filter((d) => d.country === countryOf(phone)), pool];
    const tier = tiers.find((t) => t.length > 0)!;
    const did = tier.reduce((a, b) => (b.lastUsedAt < a.lastUsedAt ? b : a));
    // Strictly increasing within the batch, so the next call of the batch sees this one as the most recent.
    did.lastUsedAt = now + i;
    used.add(did);
    return did.number;
  });
  const rows = [...used];
  await tx.execute(
    `INSERT INTO execution_did_usage (execution_id, did_id, last_used_at) VALUES ${rows.map(() => "(?, ?, ?)").join(", ")}
     ${tx.dialect.onConflict(["execution_id", "did_id"], (incoming) => [`last_used_at = ${incoming("last_used_at")}`])}`,
    rows.flatMap((d) => [e.id, d.id, d.lastUsedAt]),
  );
  return picked;
}
