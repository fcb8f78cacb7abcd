import { randomUUID } from "node:crypto";
import { Db, Reader, Tx } from "../../db/db";
import { insertRow } from "../../db/db";
import { findOrgPage } from "../../db/org-page";
import type { Clock } from "../../shared/clock";
import { NotFoundError, ResourceInUseError, ValidationError } from "../../shared/errors";
import { Page, pageOf, parsePage } from "../../shared/pagination";
import { isUuid, parseInput } from "../../shared/validation";
import { Contact } from "../contact/contact.entity";
import { Audience, AudienceContact } from "./audience.entity";
import { audienceInputSchema, audiencePatchSchema, contactIdsSchema } from "./audience.schema";

const CHUNK = 500;

export class AudienceService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async createAudience(organizationId: string, input: unknown): Promise<Audience> {
    const data = parseInput(audienceInputSchema, input);
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const audience = tx.manager.create(Audience, {
        id: randomUUID(),
        organizationId,
        name: data.name,
        description: data.description ?? null,
        createdAt: now,
        updatedAt: now,
      });
      await insertRow(tx, Audience, audience);
      audience.contactCount = 0;
      return audience;
    });
  }

  async updateAudience(organizationId: string, id: string, input: unknown): Promise<Audience> {
    const patch = parseInput(audiencePatchSchema, input);
    return this.db.transaction(async (tx) => {
      const audience = await this.mustFind(tx, organizationId, id);
      if (patch.name !== undefined) audience.name = patch.name;
      if (patch.description !== undefined) audience.description = patch.description ?? null;
      audience.updatedAt = this.clock.now();
      await tx.manager.update(Audience, { id }, { name: audience.name, description: audience.description, updatedAt: audience.updatedAt });
      return this.withCount(tx, audience);
    });
  }

  /** Refused while a program that is not archived uses the audience. */
  async deleteAudience(organizationId: string, id: string): Promise<Audience> {
    return this.db.transaction(async (tx) => {
      const audience = await this.withCount(tx, await this.mustFind(tx, organizationId, id));
      const users = await tx.query<{ id: string }>("SELECT id FROM programs WHERE audience_id = ? AND status <> 'archived' LIMIT 5", [id]);
      if (users.length) {
        throw new ResourceInUseError(`Audience ${id} is used by program(s) ${users.map((u) => u.id).join(", ")}; archive them first`);
      }
      await tx.execute("DELETE FROM audience_contacts WHERE audience_id = ?", [id]);
      await tx.execute("DELETE FROM audiences WHERE id = ?", [id]);
      return audience;
    });
  }

  async getAudience(organizationId: string, id: string): Promise<Audience | null> {
    if (!isUuid(id)) return null;
    return this.db.read(async (r) => {
      const audience = await r.manager.findOneBy(Audience, { organizationId, id });
      return audience ? this.withCount(r, audience) : null;
    });
  }

  async listAudiences(organizationId: string, page: { page?: unknown; limit?: unknown }): Promise<Page<Audience>> {
    const req = parsePage(page);
    return this.db.read(async (r) => {
      const page = await findOrgPage(r, Audience, organizationId, req);
      for (const a of page.data) await this.withCount(r, a);
      return page;
    });
  }

  /**
   * Adds contacts (already-present ones are ignored). Every id must be a contact of the organization. `field` names
   * the ids in error messages (GraphQL `contactIds`, REST `contacts`).
   */
  async addContacts(organizationId: string, audienceId: string, contactIds: unknown, field = "contactIds"): Promise<Audience> {
    const ids = [...new Set(parseInput(contactIdsSchema, contactIds, field))];
    return this.db.transaction(async (tx) => {
      const audience = await this.mustFind(tx, organizationId, audienceId);
      await this.mustOwnContacts(tx, organizationId, ids, field);
      const now = this.clock.now().getTime();
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const values = chunk.map(() => "(?, ?, ?)").join(", ");
        const params = chunk.flatMap((c) => [audienceId, c, now]);
        await tx.execute(`${tx.dialect.insertIgnore} INTO audience_contacts (audience_id, contact_id, created_at) VALUES ${values}`, params);
      }
      await tx.execute("UPDATE audiences SET updated_at = ? WHERE id = ?", [now, audienceId]);
      audience.updatedAt = new Date(now);
      return this.withCount(tx, audience);
    });
  }

  async removeContacts(organizationId: string, audienceId: string, contactIds: unknown, field = "contactIds"): Promise<Audience> {
    const ids = [...new Set(parseInput(contactIdsSchema, contactIds, field))];
    return this.db.transaction(async (tx) => {
      const audience = await this.mustFind(tx, organizationId, audienceId);
      const now = this.clock.now().getTime();
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        await tx.execute(
          `DELETE FROM audience_contacts WHERE audience_id = ? AND contact_id IN (${chunk.map(() => "?").join(", ")})`,
          [audienceId, ...chunk],
        );
      }
      await tx.execute("UPDATE audiences SET updated_at = ? WHERE id = ?", [now, audienceId]);
      audience.updatedAt = new Date(now);
      return this.withCount(tx, audience);
    });
  }

  async listMembers(organizationId: string, audienceId: string, page: { page?: unknown; limit?: unknown }): Promise<Page<Contact>> {
    const req = parsePage(page);
    return this.db.read(async (r) => {
      const audience = isUuid(audienceId) ? await r.manager.findOneBy(Audience, { organizationId, id: audienceId }) : null;
      if (!audience) throw new NotFoundError("Audience", audienceId);
      const qb = r.manager
        .createQueryBuilder(Contact, "c")
        .innerJoin(AudienceContact, "ac", "ac.contact_id = c.id AND ac.audience_id = :audienceId", { audienceId })
        .orderBy("ac.created_at", "DESC")
        .addOrderBy("c.id", "DESC")
        // offset/limit, not skip/take: with a join, skip/take wraps the query in a DISTINCT subquery that loses
        // the ordering column (TypeORM), and one membership row is one contact anyway.
        .offset(req.offset)
        .limit(req.limit);
      const [data, total] = await qb.getManyAndCount();
      return pageOf(data, total, req);
    });
  }

  private async mustOwnContacts(tx: Tx, organizationId: string, ids: string[], field: string): Promise<void> {
    const bad = ids.filter((id) => !isUuid(id));
    const candidates = ids.filter((id) => isUuid(id));
    const found = new Set<string>();
    for (let i = 0; i < candidates.length; i += CHUNK) {
      const chunk = candidates.slice(i, i + CHUNK);
      const rows = await tx.query<{ id: string }>(
        `SELECT id FROM contacts WHERE organization_id = ? AND id IN (${chunk.map(() => "?").join(", ")})`,
        [organizationId, ...chunk],
      );
      rows.forEach((r) => found.add(r.id));
    }
    const missing = [...bad, ...candidates.filter((id) => !found.has(id))];
    if (missing.length) {
      const shown = missing.slice(0, 20).join(", ");
      throw new ValidationError(`${missing.length} unknown contact id(s): ${shown}${missing.length > 20 ? ", …" : ""}`, field);
    }
  }

  private async mustFind(tx: Reader, organizationId: string, id: string): Promise<Audience> {
    const audience = isUuid(id) ? await tx.manager.findOneBy(Audience, { organizationId, id }) : null;
    if (!audience) throw new NotFoundError("Audience", id);
    return audience;
  }

  private async withCount(r: Reader, audience: Audience): Promise<Audience> {
    const [row] = await r.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM audience_contacts WHERE audience_id = ?", [audience.id]);
    audience.contactCount = Number(row.n);
    return audience;
  }
}
