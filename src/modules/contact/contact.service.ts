import { randomUUID } from "node:crypto";
import { Db, Tx } from "../../db/db";
import { insertRow } from "../../db/db";
import { findOrgPage } from "../../db/org-page";
import type { Clock } from "../../shared/clock";
import { FieldProblem, NotFoundError, ResourceInUseError, ValidationError } from "../../shared/errors";
import { Page, parsePage } from "../../shared/pagination";
import { isUuid, parseInput, zodProblems } from "../../shared/validation";
import { zoneKeysOf } from "../rules/time-zones";
import { Contact } from "./contact.entity";
import { contactInputSchema, contactPatchSchema, ContactInputData, MAX_UPSERT_ROWS } from "./contact.schema";

const CHUNK = 500;

export class ContactService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * All-or-nothing upsert matched by phone: every row is validated first and every bad row is reported by index;
   * then the rows are written in one transaction. Fields a row leaves out (or null) keep their stored value.
   */
  async upsertContacts(organizationId: string, rows: unknown, field = "contacts"): Promise<Contact[]> {
    if (!Array.isArray(rows)) throw new ValidationError("must be an array of contacts", field);
    if (rows.length === 0) throw new ValidationError("must hold at least one contact", field);
    if (rows.length > MAX_UPSERT_ROWS) throw new ValidationError(`must hold at most ${MAX_UPSERT_ROWS} contacts`, field);
    const problems: FieldProblem[] = [];
    const valid: ContactInputData[] = [];
    const seen = new Map<string, number>();
    rows.forEach((row, i) => {
      const r = contactInputSchema.safeParse(row);
      if (!r.success) {
        problems.push(...zodProblems(r.error, `${field}[${i}]`));
        return;
      }
      const first = seen.get(r.data.primaryPhone);
      if (first !== undefined) {
        problems.push({ field: `${field}[${i}].primaryPhone`, message: `repeats the phone of ${field}[${first}]` });
        return;
      }
      seen.set(r.data.primaryPhone, i);
      valid.push(r.data);
    });
    if (problems.length) throw new ValidationError(problems);

    const now = this.clock.now().getTime();
    return this.db.transaction(async (tx) => {
      for (let i = 0; i < valid.length; i += CHUNK) await this.upsertChunk(tx, organizationId, valid.slice(i, i + CHUNK), now);
      const out: Contact[] = [];
      const phones = valid.map((v) => v.primaryPhone);
      for (let i = 0; i < phones.length; i += CHUNK) {
        const chunk = phones.slice(i, i + CHUNK);
        const found = await tx.manager
          .createQueryBuilder(Contact, "c")
          .where("c.organization_id = :org AND c.primary_phone IN (:...chunk)", { org: organizationId, chunk })
          .getMany();
        const byPhone = new Map(found.map((c) => [c.primaryPhone, c]));
        for (const p of chunk) out.push(byPhone.get(p)!);
      }
      return out;
    });
  }

  private async upsertChunk(tx: Tx, organizationId: string, rows: ContactInputData[], now: number): Promise<void> {
    const zoneKeys = await zoneKeysOf(tx, rows.map((r) => r.primaryPhone));
    const cols = "(id, organization_id, primary_phone, zone_key, first_name, last_name, primary_email, custom_attributes, created_at, updated_at)";
    const values = rows.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
    const params = rows.flatMap((r) => [
      randomUUID(),
      organizationId,
      r.primaryPhone,
      zoneKeys.get(r.primaryPhone)!,
      r.firstName ?? null,
      r.lastName ?? null,
      r.primaryEmail ?? null,
      r.customAttributes == null ? "{}" : JSON.stringify(r.customAttributes),
      now,
      now,
    ]);
    // A row that leaves custom attributes out sends "{}": keep the stored ones then.
    const keep = (col: string, incoming: string) => `${col} = COALESCE(${incoming}, ${col})`;
    const upsert = tx.dialect.onConflict(["organization_id", "primary_phone"], (incoming) => [
      keep("first_name", incoming("first_name")),
      keep("last_name", incoming("last_name")),
      keep("primary_email", incoming("primary_email")),
      `custom_attributes = CASE WHEN ${incoming("custom_attributes")} = '{}' THEN custom_attributes ELSE ${incoming("custom_attributes")} END`,
      `updated_at = ${incoming("updated_at")}`,
    ]);
    await tx.execute(`INSERT INTO contacts ${cols} VALUES ${values} ${upsert}`, params);
  }

  /** Creates one contact; a phone the organization already has is a ValidationError. */
  async createContact(organizationId: string, input: unknown): Promise<Contact> {
    const data = parseInput(contactInputSchema, input);
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const existing = await tx.manager.findOneBy(Contact, { organizationId, primaryPhone: data.primaryPhone });
      if (existing) throw new ValidationError(`a contact with phone ${data.primaryPhone} already exists (${existing.id})`, "primaryPhone");
      const contact = tx.manager.create(Contact, {
        id: randomUUID(),
        organizationId,
        primaryPhone: data.primaryPhone,
        zoneKey: (await zoneKeysOf(tx, [data.primaryPhone])).get(data.primaryPhone)!,
        firstName: data.firstName ?? null,
        lastName: data.lastName ?? null,
        primaryEmail: data.primaryEmail ?? null,
        customAttributes: data.customAttributes ?? {},
        createdAt: now,
        updatedAt: now,
      });
      await insertRow(tx, Contact, contact);
      return contact;
    });
  }

  async updateContact(organizationId: string, id: string, input: unknown): Promise<Contact> {
    const patch = parseInput(contactPatchSchema, input);
    return this.db.transaction(async (tx) => {
      const contact = await this.mustFind(tx, organizationId, id);
      if (patch.primaryPhone && patch.primaryPhone !== contact.primaryPhone) {
        const clash = await tx.manager.findOneBy(Contact, { organizationId, primaryPhone: patch.primaryPhone });
        if (clash) throw new ValidationError(`a contact with phone ${patch.primaryPhone} already exists (${clash.id})`, "primaryPhone");
        contact.primaryPhone = patch.primaryPhone;
        contact.zoneKey = (await zoneKeysOf(tx, [patch.primaryPhone])).get(patch.primaryPhone)!;
      }
      if (patch.firstName !== undefined) contact.firstName = patch.firstName;
      if (patch.lastName !== undefined) contact.lastName = patch.lastName;
      if (patch.primaryEmail !== undefined) contact.primaryEmail = patch.primaryEmail;
      if (patch.customAttributes !== undefined) contact.customAttributes = patch.customAttributes ?? {};
      contact.updatedAt = this.clock.now();
      await tx.manager.save(Contact, contact);
      return contact;
    });
  }

  /** Removes the contact and its audience memberships. Execution snapshots keep their copy (the seed's snapshot rule). */
  async deleteContact(organizationId: string, id: string): Promise<Contact> {
    return this.db.transaction(async (tx) => {
      const contact = await this.mustFind(tx, organizationId, id);
      // Only unfinished executions can have the contact in a call: probe their snapshots by primary key.
      const inFlight = await tx.query(
        `SELECT 1 FROM program_executions e JOIN execution_contacts ec ON ec.execution_id = e.id AND ec.contact_id = ?
         WHERE e.organization_id = ? AND e.active_program_id IS NOT NULL AND ec.status = 'inProgress' LIMIT 1`,
        [id, organizationId],
      );
      if (inFlight.length) throw new ResourceInUseError(`Contact ${id} is in a call right now; delete it once the call has ended`);
      await tx.execute("DELETE FROM audience_contacts WHERE contact_id = ?", [id]);
      await tx.execute("DELETE FROM contacts WHERE id = ?", [id]);
      return contact;
    });
  }

  async getContact(organizationId: string, id: string): Promise<Contact | null> {
    if (!isUuid(id)) return null;
    return this.db.read((r) => r.manager.findOneBy(Contact, { organizationId, id }));
  }

  async listContacts(organizationId: string, page: { page?: unknown; limit?: unknown }): Promise<Page<Contact>> {
    const req = parsePage(page);
    return this.db.read((r) => findOrgPage(r, Contact, organizationId, req));
  }

  private async mustFind(tx: Tx, organizationId: string, id: string): Promise<Contact> {
    const contact = isUuid(id) ? await tx.manager.findOneBy(Contact, { organizationId, id }) : null;
    if (!contact) throw new NotFoundError("Contact", id);
    return contact;
  }
}

