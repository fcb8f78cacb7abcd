import { randomUUID } from "node:crypto";
import { Db, insertRow, Tx } from "../../db/db";
import { findOrgPage } from "../../db/org-page";
import type { Clock } from "../../shared/clock";
import { NotFoundError } from "../../shared/errors";
import { Page, pageOf, parsePage } from "../../shared/pagination";
import { isUuid, parseInput } from "../../shared/validation";
import { EVENT_TYPES } from "../events/event-log";
import { CreatedWebhook, Webhook, WebhookDelivery, WebhookDeliveryStatus } from "./webhook.entity";
import { webhookInputSchema, webhookPatchSchema } from "./webhook.schema";
import { newWebhookSecret } from "./webhook-signature";

/** `WebhookNotFoundError`: no such webhook in the caller's organization. */
export class WebhookNotFoundError extends NotFoundError {
  constructor(id: string) {
    super("Webhook", id);
  }
}

function deliveryOf(row: Record<string, unknown>): WebhookDelivery {
  return Object.assign(new WebhookDelivery(), {
    id: String(row.id),
    webhookId: String(row.webhook_id),
    eventId: String(row.event_id),
    attempt: Number(row.attempt),
    status: row.status as WebhookDeliveryStatus,
    responseStatus: row.response_status == null ? null : Number(row.response_status),
    error: (row.error as string | null) ?? null,
    createdAt: new Date(Number(row.created_at)),
    deliveredAt: row.delivered_at == null ? null : new Date(Number(row.delivered_at)),
  });
}

/** An organization's webhooks and their delivery log; the deliverer sends the events. */
export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The only answer that carries the signing secret. */
  async create(organizationId: string, input: unknown): Promise<CreatedWebhook> {
    const data = parseInput(webhookInputSchema, input);
    const now = this.clock.now();
    const webhook = Object.assign(new CreatedWebhook(), {
      id: randomUUID(),
      organizationId,
      url: data.url,
      events: data.events ?? [...EVENT_TYPES],
      secret: newWebhookSecret(),
      enabled: true,
      disabledReason: null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.db.transaction((tx) => insertRow(tx, Webhook, Object.assign(new Webhook(), webhook)));
    return webhook;
  }

  async update(organizationId: string, id: string, input: unknown): Promise<Webhook> {
    const patch = parseInput(webhookPatchSchema, input);
    return this.db.transaction(async (tx) => {
      const webhook = await this.mustFind(tx, organizationId, id);
      const turnedOn = patch.enabled === true && !webhook.enabled;
      Object.assign(webhook, {
        url: patch.url ?? webhook.url,
        events: patch.events ?? webhook.events,
        enabled: patch.enabled ?? webhook.enabled,
        updatedAt: this.clock.now(),
      });
      // Turned on again: a fresh 24 h, and what it missed goes out now rather than at the next back-off.
      if (turnedOn) {
        Object.assign(webhook, { disabledReason: null, failingSince: null });
        await tx.execute("UPDATE webhook_cursors SET next_attempt_at = 0, attempts = 0 WHERE webhook_id = ?", [id]);
      }
      await tx.manager.save(Webhook, webhook);
      return webhook;
    });
  }

  /** Deletes the webhook, where it stands in every execution and its delivery log. */
  async delete(organizationId: string, id: string): Promise<Webhook> {
    return this.db.transaction(async (tx) => {
      const webhook = await this.mustFind(tx, organizationId, id);
      await tx.execute("DELETE FROM webhook_cursors WHERE webhook_id = ?", [id]);
      await tx.execute("DELETE FROM webhook_deliveries WHERE webhook_id = ?", [id]);
      await tx.execute("DELETE FROM webhooks WHERE id = ?", [id]);
      return webhook;
    });
  }

  async get(organizationId: string, id: string): Promise<Webhook | null> {
    if (!isUuid(id)) return null;
    return this.db.read((r) => r.manager.findOneBy(Webhook, { organizationId, id }));
  }

  async mustGet(organizationId: string, id: string): Promise<Webhook> {
    const webhook = await this.get(organizationId, id);
    if (!webhook) throw new WebhookNotFoundError(id);
    return webhook;
  }

  async list(organizationId: string, page: { page?: unknown; limit?: unknown }): Promise<Page<Webhook>> {
    const req = parsePage(page);
    return this.db.read((r) => findOrgPage(r, Webhook, organizationId, req));
  }

  /** The delivery log of one webhook, newest first. */
  async deliveries(organizationId: string, id: string, page: { page?: unknown; limit?: unknown }): Promise<Page<WebhookDelivery>> {
    const req = parsePage(page);
    await this.mustGet(organizationId, id);
    return this.db.read(async (r) => {
      const [{ n }] = await r.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = ?", [id]);
      const rows = await r.query<Record<string, unknown>>(
        `SELECT id, webhook_id, event_id, attempt, status, response_status, error, created_at, delivered_at FROM webhook_deliveries
         WHERE webhook_id = ? ORDER BY created_at DESC, id DESC LIMIT ${req.limit} OFFSET ${req.offset}`,
        [id],
      );
      return pageOf(rows.map(deliveryOf), Number(n), req);
    });
  }

  private async mustFind(tx: Tx, organizationId: string, id: string): Promise<Webhook> {
    const webhook = isUuid(id) ? await tx.manager.findOneBy(Webhook, { organizationId, id }) : null;
    if (!webhook) throw new WebhookNotFoundError(id);
    return webhook;
  }
}
