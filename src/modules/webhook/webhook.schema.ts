import { z } from "zod";
import { describeValues, enumDocs } from "../../shared/docs";
import { instant, uuid } from "../../shared/json-fields";
import { pageSchemaOf } from "../../shared/page.schema";
import { EVENT_TYPES, EventType } from "../events/event-log";

// The shapes of webhooks and their deliveries, described once: the service validates with the input schemas, the REST
// gateway answers with the output ones, the OpenAPI document is generated from them and the GraphQL types take their
// descriptions.

export enum WebhookDeliveryStatus {
  PENDING = "pending",
  DELIVERED = "delivered",
  FAILED = "failed",
}

export const deliveryStatusDocs = enumDocs(WebhookDeliveryStatus, "Where a delivery attempt stands", {
  pending: "being sent now",
  delivered: "the endpoint answered 2xx",
  failed: "the endpoint answered something else, did not answer in time, or could not be reached (retried later)",
});

const EVENT_MEANINGS: Record<EventType, string> = {
  "execution.launched": "an execution was launched",
  "execution.status_changed": "an execution changed status",
  "attempt.finished": "a call attempt ended",
  "contact.finalized": "a contact reached a final status on its own",
  "execution.finished": "an execution ended, with its final counters",
};

const eventsDoc = describeValues("The event types sent to it (all of them when left out at creation)", EVENT_MEANINGS);
const urlDoc = "Where events are POSTed (http or https)";

export const webhookSchema = z
  .object({
    id: uuid.describe("The webhook's id"),
    url: z.string().describe(urlDoc),
    events: z.array(z.enum(EVENT_TYPES)).describe(eventsDoc),
    enabled: z.boolean().describe("Whether events are sent to it; turned off by itself after 24 h of failed deliveries"),
    disabledReason: z.string().nullable().describe("Why it was turned off by itself, or null"),
    createdAt: instant.describe("When it was created; it receives events that happen from then on"),
  })
  .describe("An endpoint that receives the organization's execution events, signed per the Standard Webhooks convention");

export const webhookCreatedSchema = webhookSchema
  .extend({
    secret: z.string().describe("The signing secret (whsec_ followed by base64): shown in this answer only, never readable again"),
  })
  .describe("A new webhook, with its signing secret (shown this once)");

export const webhookPageSchema = pageSchemaOf(webhookSchema, "webhooks, newest first");

const url = z
  .string({ error: "must be an http or https URL" })
  .trim()
  .max(2000, "must be at most 2000 characters")
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
    } catch {
      return false;
    }
  }, "must be an http or https URL")
  .describe(urlDoc);

const events = z
  .array(z.string({ error: `must be event types: ${EVENT_TYPES.join(", ")}` }), { error: `must be an array of event types: ${EVENT_TYPES.join(", ")}` })
  .min(1, "must hold at least one event type")
  .superRefine((list, ctx) => {
    const unknown = list.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
    if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown event type ${unknown.map((t) => JSON.stringify(t)).join(", ")}: must be among ${EVENT_TYPES.join(", ")}` });
  })
  .transform((list) => [...new Set(list)] as EventType[])
  .describe(eventsDoc);

export const webhookInputSchema = z.strictObject({ url, events: events.optional() }).describe("A new webhook");

export const webhookPatchSchema = z
  .strictObject({
    url: url.optional(),
    events: events.optional(),
    enabled: z
      .boolean({ error: "must be true or false" })
      .optional()
      .describe("Turn it off, or on again (which clears disabledReason; events it missed meanwhile are sent then)"),
  })
  .describe("Changes to a webhook: fields left out keep their value");

export const webhookDeliverySchema = z
  .object({
    id: uuid.describe("The attempt's id"),
    eventId: uuid.describe("The event sent (also the webhook-id header)"),
    attempt: z.number().int().min(1).describe("Which attempt at this event this was, from 1"),
    status: z.enum(WebhookDeliveryStatus).describe(deliveryStatusDocs.description),
    responseStatus: z.number().int().nullable().describe("The HTTP status the endpoint answered, or null"),
    error: z.string().nullable().describe("Why the attempt failed, or null"),
    createdAt: instant.describe("When the attempt started"),
    deliveredAt: instant.nullable().describe("When the endpoint accepted it, or null"),
  })
  .describe("One attempt to deliver an event to a webhook");

export const webhookDeliveryPageSchema = pageSchemaOf(webhookDeliverySchema, "delivery attempts, newest first");

export const webhookOps = {
  create: "Add a webhook; the answer holds its signing secret, shown this once",
  list: "Webhooks, newest first",
  get: "A webhook",
  update: "Change a webhook's URL or event types, or turn it off or on",
  delete: "Delete a webhook (its delivery log goes with it)",
  deliveries: "A webhook's delivery attempts, newest first",
};
