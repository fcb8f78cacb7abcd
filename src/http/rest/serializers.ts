import type { Audience } from "../../modules/audience/audience.entity";
import type { Contact } from "../../modules/contact/contact.entity";
import type { CallAttempt, ExecutionContact, ProgramExecution } from "../../modules/execution/execution.entity";
import type { Flow } from "../../modules/flow/flow.entity";
import type { Program } from "../../modules/program/program.entity";
import type { Page } from "../../shared/pagination";

// One serializer per object type: the REST JSON of CONTRACT.md §3, field by field. Listing the fields (rather than
// spreading the entity) keeps internal columns (activeProgramId, idempotencyKey, the retry snapshot, leases) out.

/** ISO-8601 UTC with milliseconds, or null. */
export function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}

export function executionJson(e: ProgramExecution) {
  return {
    id: e.id,
    programId: e.programId,
    organizationId: e.organizationId,
    audienceId: e.audienceId,
    flowId: e.flowId,
    flowVersion: e.flowVersion,
    status: e.status,
    totalContacts: e.totalContacts,
    contactsCompleted: e.contactsCompleted,
    contactsFailed: e.contactsFailed,
    contactsPending: e.contactsPending,
    contactsInProgress: e.contactsInProgress,
    contactsSkipped: e.contactsSkipped,
    scheduledStartAt: iso(e.scheduledStartAt),
    scheduledStopAt: iso(e.scheduledStopAt),
    actualStartAt: iso(e.actualStartAt),
    actualEndAt: iso(e.actualEndAt),
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
    sequence: e.sequence,
  };
}

export function programJson(p: Program) {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    status: p.status,
    audienceId: p.audienceId,
    flowId: p.flowId,
    startAt: iso(p.startAt),
    stopAt: iso(p.stopAt),
    retryStrategy: p.retryStrategy,
    maxConcurrentCalls: p.maxConcurrentCalls,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

export function flowJson(f: Flow) {
  return {
    id: f.id,
    name: f.name,
    version: f.version,
    startNodeId: f.startNodeId,
    nodes: f.nodes.map((n) => ({ id: n.id, type: n.type, label: n.label ?? null, config: n.config, outputs: n.outputs })),
    createdAt: iso(f.createdAt),
    updatedAt: iso(f.updatedAt),
  };
}

export function contactJson(c: Contact) {
  return {
    id: c.id,
    primaryPhone: c.primaryPhone,
    firstName: c.firstName,
    lastName: c.lastName,
    primaryEmail: c.primaryEmail,
    customAttributes: c.customAttributes,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

export function audienceJson(a: Audience) {
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    contactCount: a.contactCount,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

export function executionContactJson(c: ExecutionContact) {
  return {
    contactId: c.contactId,
    primaryPhone: c.primaryPhone,
    status: c.status,
    attempts: c.attempts,
    nextAttemptAt: iso(c.nextAttemptAt),
    lastOutcome: c.lastOutcome,
  };
}

export function callAttemptJson(a: CallAttempt) {
  return {
    id: a.id,
    executionId: a.executionId,
    contactId: a.contactId,
    attemptNumber: a.attemptNumber,
    outcome: a.outcome,
    failureReason: a.failureReason,
    flowOutcome: a.flowOutcome,
    startedAt: iso(a.startedAt),
    answeredAt: iso(a.answeredAt),
    endedAt: iso(a.endedAt),
    durationMs: a.durationMs,
    path: a.path,
    variables: a.variables,
  };
}

/** The `{ data, meta }` page envelope with each item serialized. */
export function pageJson<T, J>(page: Page<T>, item: (t: T) => J) {
  return { data: page.data.map(item), meta: page.meta };
}
