import { z } from "zod";
import { audienceInputSchema, audiencePageSchema, audiencePatchSchema, audienceSchema, contactIdsBodySchema } from "../../modules/audience/audience.schema";
import {
  contactInputSchema,
  contactPageSchema,
  contactPatchSchema,
  contactSchema,
  contactUpsertResultSchema,
  contactUpsertSchema,
} from "../../modules/contact/contact.schema";
import {
  callAttemptExportSchema,
  callAttemptPageSchema,
  callAttemptSchema,
  executionContactExportSchema,
  executionContactPageSchema,
  executionContactSchema,
  executionPageSchema,
  executionSchema,
  launchBodySchema,
  launchResultSchema,
  resumeInputSchema,
} from "../../modules/execution/execution.schema";
import { didInputSchema, didPageSchema, didPatchSchema, didSchema } from "../../modules/did/did.schema";
import { dncAddResultSchema, dncAddSchema, dncEntrySchema, dncPageSchema } from "../../modules/dnc/dnc.schema";
import { organizationPatchSchema, organizationSchema } from "../../modules/organization/organization.schema";
import { programPreviewSchema } from "../../modules/program/program-preview";
import {
  advancedWindowOut,
  advancedWindowSchema,
  autoPauseRuleOutput,
  autoPauseRuleSchema,
  callingHoursOutput,
  callingHoursSchema,
  pauseWindowsOutput,
  pauseWindowsSchema,
  timeOfDayOut,
  timeOfDaySchema,
  weekdayWindowOut,
  weekdayWindowSchema,
} from "../../modules/rules/rules.schema";
import { flowInputSchema, flowNodeInputSchema, flowNodeSchema, flowPageSchema, flowSchema } from "../../modules/flow/flow.schema";
import { programInputSchema, programPageSchema, programSchema, programUpdateSchema } from "../../modules/program/program.schema";
import { retryStrategyInputSchema, retryStrategySchema } from "../../modules/program/retry-strategy.schema";
import {
  webhookCreatedSchema,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookInputSchema,
  webhookPageSchema,
  webhookPatchSchema,
  webhookSchema,
} from "../../modules/webhook/webhook.schema";
import { executionReportSchema, relaunchInputSchema, reportCallsSchema, reportContactsSchema, reportDurationSchema } from "../../modules/execution/execution-results.schema";
import { eventPageSchema, eventSchema, eventsMetaSchema } from "../../modules/events/event.schema";
import { pageMetaSchema } from "../../shared/page.schema";
import { errorSchema } from "./error.schema";
import type { Tag } from "./route";

// The named schemas and the tags of the OpenAPI document (openapi.ts builds the document from them).

/** Named schemas, as the API writes them (output) and as clients send them (input). A route's schemas must be here. */
export const COMPONENTS = {
  output: {
    Error: errorSchema,
    PageMeta: pageMetaSchema,
    ProgramExecution: executionSchema,
    ProgramExecutionPage: executionPageSchema,
    ExecutionContact: executionContactSchema,
    ExecutionContactPage: executionContactPageSchema,
    CallAttempt: callAttemptSchema,
    CallAttemptPage: callAttemptPageSchema,
    ExecutionContactExportRecord: executionContactExportSchema,
    CallAttemptExportRecord: callAttemptExportSchema,
    LaunchResponse: launchResultSchema,
    RetryStrategy: retryStrategySchema,
    Program: programSchema,
    ProgramPage: programPageSchema,
    FlowNode: flowNodeSchema,
    Flow: flowSchema,
    FlowPage: flowPageSchema,
    Contact: contactSchema,
    ContactPage: contactPageSchema,
    ContactUpsertResponse: contactUpsertResultSchema,
    Audience: audienceSchema,
    AudiencePage: audiencePageSchema,
    Did: didSchema,
    DidPage: didPageSchema,
    Organization: organizationSchema,
    ProgramPreview: programPreviewSchema,
    PauseWindows: pauseWindowsOutput,
    WeekdayWindow: weekdayWindowOut,
    TimeOfDay: timeOfDayOut,
    AdvancedWindow: advancedWindowOut,
    CallingHours: callingHoursOutput,
    AutoPauseRule: autoPauseRuleOutput,
    DncNumber: dncEntrySchema,
    DncNumberPage: dncPageSchema,
    DncAddResult: dncAddResultSchema,
    Webhook: webhookSchema,
    CreatedWebhook: webhookCreatedSchema,
    WebhookPage: webhookPageSchema,
    WebhookDelivery: webhookDeliverySchema,
    WebhookDeliveryPage: webhookDeliveryPageSchema,
    ExecutionEvent: eventSchema,
    ExecutionEventPage: eventPageSchema,
    ExecutionEventPageMeta: eventsMetaSchema,
    ExecutionReport: executionReportSchema,
    ReportContacts: reportContactsSchema,
    ReportCalls: reportCallsSchema,
    ReportDuration: reportDurationSchema,
  },
  input: {
    RelaunchRequest: relaunchInputSchema,
    LaunchRequest: launchBodySchema,
    RetryStrategyInput: retryStrategyInputSchema,
    ProgramInput: programInputSchema,
    ProgramUpdate: programUpdateSchema,
    FlowNodeInput: flowNodeInputSchema,
    FlowInput: flowInputSchema,
    ContactInput: contactInputSchema,
    ContactUpdate: contactPatchSchema,
    ContactUpsertRequest: contactUpsertSchema,
    AudienceInput: audienceInputSchema,
    AudienceUpdate: audiencePatchSchema,
    ContactIds: contactIdsBodySchema,
    DidInput: didInputSchema,
    DidUpdate: didPatchSchema,
    OrganizationUpdate: organizationPatchSchema,
    ResumeRequest: resumeInputSchema,
    PauseWindowsInput: pauseWindowsSchema,
    WeekdayWindowInput: weekdayWindowSchema,
    TimeOfDayInput: timeOfDaySchema,
    AdvancedWindowInput: advancedWindowSchema,
    CallingHoursInput: callingHoursSchema,
    AutoPauseRuleInput: autoPauseRuleSchema,
    DncAddRequest: dncAddSchema,
    WebhookInput: webhookInputSchema,
    WebhookUpdate: webhookPatchSchema,
  },
} satisfies Record<"input" | "output", Record<string, z.ZodType>>;

export const TAGS: Record<Tag | "Meta", string> = {
  Executions: "Launch programs, follow and steer their executions, review their contacts and calls",
  Programs: "An audience, a call flow, a retry strategy and a schedule",
  Flows: "Call flows: what happens on each call",
  Contacts: "The people to call",
  Audiences: "Lists of contacts that programs call",
  DIDs: "Caller IDs: numbers the organization owns at its carrier, which programs rotate through",
  Organization: "The caller's organization and its settings",
  "Do-not-call": "Numbers that must never be called",
  Webhooks: "Endpoints that receive execution events as they happen, signed, in order, at least once",
  Meta: "This document",
};
