import { Db, Reader, Tx } from "../../db/db";
import type { Clock } from "../../shared/clock";
import { DomainError } from "../../shared/errors";
import { Page, pageOf, parseListing } from "../../shared/pagination";
import { parseInput } from "../../shared/validation";
import { marks } from "../dispatcher/dispatch.store";
import { DncNumber, DncSource } from "./dnc.entity";
import { dncAddSchema, dncQuerySchema } from "./dnc.schema";

const CHUNK = 500;
const E164 = /^\+[1-9]\d{1,14}$/;

export class DncNumberNotFoundError extends DomainError {
  constructor(number: string) {
    super("DNC_NUMBER_NOT_FOUND", `${number} is not on the do-not-call list`);
  }
}

function entryOf(row: Record<string, unknown>): DncNumber {
  return Object.assign(new DncNumber(), {
    organizationId: String(row.organization_id),
    number: String(row.number),
    reason: (row.reason as string | null) ?? null,
    source: row.source as DncSource,
    createdAt: new Date(Number(row.created_at)),
  });
}

/** An organization's do-not-call list: checked every time a contact is about to be dialled, retries included. */
export class DncService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Lists numbers, all or nothing (every bad number is named by its index); numbers already listed are left as they are. */
  async add(organizationId: string, input: unknown): Promise<{ added: number; alreadyListed: number }> {
    const data = parseInput(dncAddSchema, input);
    const numbers = [...new Set(data.numbers)];
    const added = await this.db.transaction((tx) => this.insert(tx, organizationId, numbers, data.reason ?? null, DncSource.API));
    return { added, alreadyListed: numbers.length - added };
  }

  /** An opt_out node: the callee asked not to be called again. */
  async optOut(organizationId: string, number: string): Promise<void> {
    await this.db.transaction((tx) => this.insert(tx, organizationId, [number], "opt_out", DncSource.OPT_OUT));
  }

  async list(organizationId: string, filter: { page?: unknown; limit?: unknown; search?: unknown }): Promise<Page<DncNumber>> {
    const req = parseListing(dncQuerySchema, filter);
    const q = req;
    const search = q.search ? (q.search.startsWith("+") ? q.search : `+${q.search}`) : null;
    return this.db.read(async (r) => {
      const where = `organization_id = ?${search ? " AND number LIKE ?" : ""}`;
      const params = [organizationId, ...(search ? [`${search}%`] : [])];
      const [{ n }] = await r.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM dnc_numbers WHERE ${where}`, params);
      const rows = await r.query<Record<string, unknown>>(
        `SELECT organization_id, number, reason, source, created_at FROM dnc_numbers WHERE ${where} ORDER BY created_at DESC, number DESC LIMIT ${req.limit} OFFSET ${req.offset}`,
        params,
      );
      return pageOf(rows.map(entryOf), Number(n), req);
    });
  }

  async get(organizationId: string, number: string): Promise<DncNumber> {
    const found = E164.test(number) ? await this.db.read((r) => r.query<Record<string, unknown>>("SELECT organization_id, number, reason, source, created_at FROM dnc_numbers WHERE organization_id = ? AND number = ?", [organizationId, number])) : [];
    if (!found[0]) throw new DncNumberNotFoundError(number);
    return entryOf(found[0]);
  }

  /** Takes a number off the list; answers the entry it removed. */
  async remove(organizationId: string, number: string): Promise<DncNumber> {
    return this.db.transaction(async (tx) => {
      const found = E164.test(number) ? await tx.query<Record<string, unknown>>(`SELECT organization_id, number, reason, source, created_at FROM dnc_numbers WHERE organization_id = ? AND number = ?${tx.dialect.lock()}`, [organizationId, number]) : [];
      if (!found[0]) throw new DncNumberNotFoundError(number);
      await tx.execute("DELETE FROM dnc_numbers WHERE organization_id = ? AND number = ?", [organizationId, number]);
      return entryOf(found[0]);
    });
  }

  private async insert(tx: Tx, organizationId: string, numbers: string[], reason: string | null, source: DncSource): Promise<number> {
    const now = this.clock.now().getTime();
    let added = 0;
    for (let i = 0; i < numbers.length; i += CHUNK) {
      const chunk = numbers.slice(i, i + CHUNK);
      added += await tx.execute(
        `${tx.dialect.insertIgnore} INTO dnc_numbers (organization_id, number, reason, source, created_at) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
        chunk.flatMap((n) => [organizationId, n, reason, source, now]),
      );
    }
    return added;
  }
}

/** Of `phones`, those on the organization's do-not-call list (one indexed read per chunk). */
export async function listedNumbers(r: Reader, organizationId: string, phones: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < phones.length; i += CHUNK) {
    const chunk = phones.slice(i, i + CHUNK);
    const rows = await r.query<{ number: string }>(`SELECT number FROM dnc_numbers WHERE organization_id = ? AND number IN (${marks(chunk.length)})`, [organizationId, ...chunk]);
    for (const row of rows) out.add(String(row.number));
  }
  return out;
}
