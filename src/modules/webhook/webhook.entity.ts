import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { DateColumn, IdColumn, JsonColumn } from "../../db/columns";
import { doc } from "../../shared/docs";
import type { EventType } from "../events/event-log";
import { deliveryStatusDocs, WebhookDeliveryStatus, webhookCreatedSchema, webhookDeliverySchema, webhookSchema } from "./webhook.schema";

export { WebhookDeliveryStatus };

registerEnumType(WebhookDeliveryStatus, { name: "WebhookDeliveryStatus", description: deliveryStatusDocs.intro, valuesConfig: deliveryStatusDocs.valuesConfig });

// GraphQL descriptions come from the REST schema (webhook.schema.ts).
const w = (field: string) => ({ description: doc(webhookSchema, field) });
const dl = (field: string) => ({ description: doc(webhookDeliverySchema, field) });

/** An endpoint of an organization that receives its execution events. The secret never leaves after creation. */
@ObjectType({ description: doc(webhookSchema) })
@Entity("webhooks")
@Index(["organizationId", "createdAt"])
export class Webhook {
  @Field(() => ID, w("id"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  organizationId!: string;

  @Field(w("url"))
  @Column({ type: "varchar", length: 2000 })
  url!: string;

  @Field(() => [String], w("events"))
  @JsonColumn()
  events!: EventType[];

  /** whsec_… (base64 key): signs every delivery; answered once, at creation. */
  @Column({ type: "varchar", length: 100 })
  secret!: string;

  @Field(w("enabled"))
  @Column({ type: "boolean", default: true })
  enabled!: boolean;

  @Field(() => String, { nullable: true, ...w("disabledReason") })
  @Column({ type: "varchar", length: 500, nullable: true })
  disabledReason!: string | null;

  /** When deliveries started failing with no success since (the 24 h before it is turned off count from here). */
  @DateColumn({ nullable: true })
  failingSince!: Date | null;

  @Field(w("createdAt"))
  @DateColumn()
  createdAt!: Date;

  @DateColumn()
  updatedAt!: Date;
}

@ObjectType("CreatedWebhook", { description: doc(webhookCreatedSchema) })
export class CreatedWebhook extends Webhook {
  @Field({ description: doc(webhookCreatedSchema, "secret") })
  override secret!: string;
}

/**
 * Where one webhook stands in one execution's event log: events up to `deliveredPosition` are delivered (or not
 * wanted). The head event is sent by whoever holds the claim (token + lease on the database clock), so one event is
 * never sent to one endpoint by two processes at once, and events go out in position order.
 */
@Entity("webhook_cursors")
@Index(["open", "nextAttemptAt"])
export class WebhookCursor {
  @PrimaryColumn({ type: "varchar", length: 36 })
  webhookId!: string;

  @PrimaryColumn({ type: "varchar", length: 36 })
  executionId!: string;

  @Column({ type: "int", default: 0 })
  deliveredPosition!: number;

  /** Failed attempts at the head event so far. */
  @Column({ type: "int", default: 0 })
  attempts!: number;

  /** When the head event may be tried (again), on the service clock. */
  @Column({ type: "bigint", default: 0 })
  nextAttemptAt!: number;

  /** Cleared once the execution is finished and everything in its log is delivered; set again by a later event. */
  @Column({ type: "boolean", default: true })
  open!: boolean;

  /** The delivery attempt in flight (its id), or null. */
  @Column({ type: "varchar", length: 36, nullable: true })
  claimToken!: string | null;

  /** Database clock, epoch ms. */
  @Column({ type: "bigint", nullable: true })
  leaseExpiresAt!: number | null;
}

/** One attempt to deliver one event to one webhook: the delivery log. */
@ObjectType({ description: doc(webhookDeliverySchema) })
@Entity("webhook_deliveries")
@Index(["webhookId", "createdAt"])
@Index(["webhookId", "status"])
export class WebhookDelivery {
  @Field(() => ID, dl("id"))
  @PrimaryColumn({ type: "varchar", length: 36 })
  id!: string;

  @IdColumn()
  webhookId!: string;

  @Field(() => ID, dl("eventId"))
  @IdColumn()
  eventId!: string;

  @Field(() => Int, dl("attempt"))
  @Column({ type: "int" })
  attempt!: number;

  @Field(() => WebhookDeliveryStatus, dl("status"))
  @Column({ type: "varchar", length: 16 })
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { nullable: true, ...dl("responseStatus") })
  @Column({ type: "int", nullable: true })
  responseStatus!: number | null;

  @Field(() => String, { nullable: true, ...dl("error") })
  @Column({ type: "varchar", length: 500, nullable: true })
  error!: string | null;

  @Field(dl("createdAt"))
  @DateColumn()
  createdAt!: Date;

  @Field(() => Date, { nullable: true, ...dl("deliveredAt") })
  @DateColumn({ nullable: true })
  deliveredAt!: Date | null;
}
