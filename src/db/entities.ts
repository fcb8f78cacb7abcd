import { Audience, AudienceContact } from "../modules/audience/audience.entity";
import { Contact } from "../modules/contact/contact.entity";
import { Did, ExecutionDidUsage } from "../modules/did/did.entity";
import { ExecutionEventRecord } from "../modules/events/event.entity";
import { DncNumber } from "../modules/dnc/dnc.entity";
import { ExecutionZoneGroup, TimeZoneSet } from "../modules/rules/rules.entity";
import { CallAttempt, ExecutionContact, ProgramExecution } from "../modules/execution/execution.entity";
import { FlowRecord, FlowVersion } from "../modules/flow/flow.entity";
import { ApiKey, Organization } from "../modules/organization/organization.entity";
import { Program } from "../modules/program/program.entity";
import { Webhook, WebhookCursor, WebhookDelivery } from "../modules/webhook/webhook.entity";

export const ENTITIES = [
  Organization,
  ApiKey,
  Contact,
  Audience,
  AudienceContact,
  FlowRecord,
  FlowVersion,
  Program,
  ProgramExecution,
  ExecutionContact,
  CallAttempt,
  Did,
  ExecutionDidUsage,
  ExecutionEventRecord,
  TimeZoneSet,
  ExecutionZoneGroup,
  DncNumber,
  Webhook,
  WebhookCursor,
  WebhookDelivery,
];
