import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Db } from "../../db/db";
import { insertRow } from "../../db/db";
import type { Clock } from "../../shared/clock";
import { UnauthorizedError, ValidationError } from "../../shared/errors";
import { parseInput } from "../../shared/validation";
import { ApiKey, Organization } from "./organization.entity";
import { organizationPatchSchema } from "./organization.schema";

export interface IssuedKey {
  organizationId: string;
  apiKeyId: string;
  apiKey: string;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

function newKey(): string {
  return `vc_${randomBytes(24).toString("base64url")}`;
}

export class OrganizationService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async createOrganization(name: string, apiKey: string = newKey()): Promise<IssuedKey> {
    const trimmed = name?.trim();
    if (!trimmed) throw new ValidationError("must not be empty", "name");
    if (trimmed.length > 200) throw new ValidationError("must be at most 200 characters", "name");
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const org = tx.manager.create(Organization, { id: randomUUID(), name: trimmed, timezone: "UTC", maxConcurrentCalls: null, createdAt: now });
      await insertRow(tx, Organization, org);
      const key = tx.manager.create(ApiKey, {
        id: randomUUID(),
        organizationId: org.id,
        keyHash: hashApiKey(apiKey),
        createdAt: now,
        revokedAt: null,
      });
      await insertRow(tx, ApiKey, key);
      return { organizationId: org.id, apiKeyId: key.id, apiKey };
    });
  }

  async createApiKey(organizationId: string): Promise<IssuedKey> {
    const apiKey = newKey();
    return this.db.transaction(async (tx) => {
      const org = await tx.manager.findOneBy(Organization, { id: organizationId });
      if (!org) throw new ValidationError(`organization ${organizationId} does not exist`, "organizationId");
      const key = tx.manager.create(ApiKey, {
        id: randomUUID(),
        organizationId,
        keyHash: hashApiKey(apiKey),
        createdAt: this.clock.now(),
        revokedAt: null,
      });
      await insertRow(tx, ApiKey, key);
      return { organizationId, apiKeyId: key.id, apiKey };
    });
  }

  /** Revoking twice is harmless; an unknown id is an error so a typo does not pass silently. */
  async revokeApiKey(apiKeyId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const key = await tx.manager.findOneBy(ApiKey, { id: apiKeyId });
      if (!key) throw new ValidationError(`API key ${apiKeyId} does not exist`, "apiKeyId");
      if (!key.revokedAt) await tx.manager.update(ApiKey, { id: apiKeyId }, { revokedAt: this.clock.now() });
    });
  }

  /** The caller's own organization with its settings. */
  async getOrganization(organizationId: string): Promise<Organization> {
    const org = await this.db.read((r) => r.manager.findOneBy(Organization, { id: organizationId }));
    if (!org) throw new UnauthorizedError();
    return org;
  }

  /** Changes the settings: the time zone (IANA) and the organization-wide cap on calls in progress (null: none). */
  async updateOrganization(organizationId: string, input: unknown): Promise<Organization> {
    const patch = parseInput(organizationPatchSchema, input);
    return this.db.transaction(async (tx) => {
      const org = await tx.manager.findOneBy(Organization, { id: organizationId });
      if (!org) throw new UnauthorizedError();
      if (patch.timezone !== undefined) org.timezone = patch.timezone;
      if (patch.maxConcurrentCalls !== undefined) org.maxConcurrentCalls = patch.maxConcurrentCalls;
      await tx.manager.save(Organization, org);
      return org;
    });
  }

  /** The organization a key belongs to, or null for a missing, unknown or revoked key. */
  async authenticate(apiKey: string | undefined | null): Promise<string | null> {
    if (!apiKey) return null;
    const hash = hashApiKey(apiKey);
    const rows = await this.db.read((r) =>
      r.query<{ organization_id: string }>(
        "SELECT organization_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
        [hash],
      ),
    );
    return rows[0]?.organization_id ?? null;
  }

  /**
   * First start: with no organization, create "Default" with the bootstrap key (or a generated one, which the
   * caller prints once). Answers null when organizations already exist.
   */
  async bootstrap(bootstrapKey: string | null): Promise<IssuedKey | null> {
    const count = await this.db.read((r) => r.manager.count(Organization));
    if (count > 0) return null;
    return this.createOrganization("Default", bootstrapKey ?? undefined);
  }
}
