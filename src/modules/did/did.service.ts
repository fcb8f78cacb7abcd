import { randomUUID } from "node:crypto";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { Db, insertRow, isUniqueViolation, Tx } from "../../db/db";
import { findOrgPage } from "../../db/org-page";
import type { Clock } from "../../shared/clock";
import { DomainError, NotFoundError, ResourceInUseError, ValidationError } from "../../shared/errors";
import { Page, parsePage } from "../../shared/pagination";
import { isUuid, parseInput } from "../../shared/validation";
import { Did, DidStatus } from "./did.entity";
import { didInputSchema, didPatchSchema } from "./did.schema";

export class DidAlreadyExistsError extends DomainError {
  constructor(number: string) {
    super("DID_ALREADY_EXISTS", `A DID with number ${number} already exists`);
  }
}

export class DidNotActiveError extends DomainError {
  constructor(ids: string[]) {
    super("DID_NOT_ACTIVE", `DID ${ids.join(", ")} ${ids.length === 1 ? "is" : "are"} inactive: activate ${ids.length === 1 ? "it" : "them"} or leave ${ids.length === 1 ? "it" : "them"} out of didPool`);
  }
}

/** No active DID to call from: a carrier needs a caller ID it owns. */
export class EmptyDidPoolError extends DomainError {
  constructor(programId: string) {
    super("EMPTY_DID_POOL", `Program ${programId} has no active DID in its pool to call from: add one to didPool (POST /api/dids first)`);
  }
}

/** Caller IDs: numbers the organization owns at its carrier, which programs put in their DID pool. */
export class DidService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async createDid(organizationId: string, input: unknown): Promise<Did> {
    const data = parseInput(didInputSchema, input);
    const countryOf = data.country ?? parsePhoneNumberFromString(data.number)?.country;
    if (!countryOf) throw new ValidationError("could not be told from the number: give it", "country");
    const now = this.clock.now();
    const did = Object.assign(new Did(), {
      id: randomUUID(),
      organizationId,
      number: data.number,
      country: countryOf,
      description: data.description ?? null,
      status: data.status ?? DidStatus.ACTIVE,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.db.transaction((tx) => insertRow(tx, Did, did));
    } catch (err) {
      if (isUniqueViolation(err)) throw new DidAlreadyExistsError(data.number);
      throw err;
    }
    return did;
  }

  async updateDid(organizationId: string, id: string, input: unknown): Promise<Did> {
    const patch = parseInput(didPatchSchema, input);
    return this.db.transaction(async (tx) => {
      const did = await this.mustFind(tx, organizationId, id);
      Object.assign(did, {
        country: patch.country ?? did.country,
        description: patch.description === undefined ? did.description : patch.description,
        status: patch.status ?? did.status,
        updatedAt: this.clock.now(),
      });
      await tx.manager.save(Did, did);
      return did;
    });
  }

  /** Refused while a program that is not archived names it in its pool (take it out of the pool first). */
  async deleteDid(organizationId: string, id: string): Promise<Did> {
    return this.db.transaction(async (tx) => {
      const did = await this.mustFind(tx, organizationId, id);
      const users = await tx.query<{ id: string; did_pool: string | null }>("SELECT id, did_pool FROM programs WHERE organization_id = ? AND status <> 'archived' AND did_pool LIKE ?", [
        organizationId,
        `%${id}%`,
      ]);
      const using = users.filter((p) => (p.did_pool ? (JSON.parse(p.did_pool) as string[]) : []).includes(id));
      if (using.length > 0) throw new ResourceInUseError(`DID ${id} is in the DID pool of program ${using[0].id}; take it out of the pool first`);
      await tx.execute("DELETE FROM dids WHERE id = ?", [id]);
      return did;
    });
  }

  async getDid(organizationId: string, id: string): Promise<Did | null> {
    if (!isUuid(id)) return null;
    return this.db.read((r) => r.manager.findOneBy(Did, { organizationId, id }));
  }

  async mustGet(organizationId: string, id: string): Promise<Did> {
    const did = await this.getDid(organizationId, id);
    if (!did) throw new NotFoundError("Did", id);
    return did;
  }

  async listDids(organizationId: string, page: { page?: unknown; limit?: unknown }): Promise<Page<Did>> {
    const req = parsePage(page);
    return this.db.read((r) => findOrgPage(r, Did, organizationId, req));
  }

  /**
   * Checks a program's pool inside the program's transaction: every id must be a DID of the organization
   * (DidNotFoundError) and active (DidNotActiveError). Answers the ids without repeats, in order.
   */
  async checkPool(tx: Tx, organizationId: string, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const valid = unique.filter(isUuid);
    const rows = valid.length
      ? await tx.query<{ id: string; status: string }>(`SELECT id, status FROM dids WHERE organization_id = ? AND id IN (${valid.map(() => "?").join(", ")})`, [organizationId, ...valid])
      : [];
    const found = new Map(rows.map((r) => [r.id, r.status]));
    const missing = unique.find((id) => !found.has(id));
    if (missing) throw new NotFoundError("Did", missing);
    const inactive = unique.filter((id) => found.get(id) !== DidStatus.ACTIVE);
    if (inactive.length) throw new DidNotActiveError(inactive);
    return unique;
  }

  /** Whether the pool has at least one active DID (a carrier needs one to call from). */
  async hasActive(tx: Tx, organizationId: string, ids: string[]): Promise<boolean> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return false;
    const rows = await tx.query(`SELECT 1 FROM dids WHERE organization_id = ? AND status = 'active' AND id IN (${valid.map(() => "?").join(", ")}) LIMIT 1`, [organizationId, ...valid]);
    return rows.length > 0;
  }

  private async mustFind(tx: Tx, organizationId: string, id: string): Promise<Did> {
    const did = isUuid(id) ? await tx.manager.findOneBy(Did, { organizationId, id }) : null;
    if (!did) throw new NotFoundError("Did", id);
    return did;
  }
}
