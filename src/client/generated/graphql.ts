/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** What an execution is doing, finer than its status */
export type EffectiveExecutionStatus =
  /** cancelled */
  | 'CANCELLED'
  /** every contact reached a final status */
  | 'COMPLETED'
  /** paused by a person; resume it to go on */
  | 'PAUSED_MANUAL'
  /** paused because the carrier refused the account or caller ID (or no active DID is left); fix it, then resume */
  | 'PAUSED_PROVIDER'
  /** paused by an auto-pause rule (a node ran as many times as the rule allows); resume it, optionally with new rules */
  | 'PAUSED_THRESHOLD'
  /** running, inside one of its pause windows: no new call starts until the window closes */
  | 'PAUSED_WINDOW'
  /** placing calls */
  | 'RUNNING'
  /** waiting for its start time */
  | 'SCHEDULED'
  /** its stop time came */
  | 'STOPPED';

/** Where a contact stands in an execution */
export type ExecutionContactStatus =
  /** answered by a person, or reached voicemail under a strategy that does not retry voicemail */
  | 'COMPLETED'
  /** its retried outcomes used up its attempts */
  | 'FAILED'
  /** claimed by a dispatcher or in a call */
  | 'IN_PROGRESS'
  /** waiting to be called, retry queue included */
  | 'PENDING'
  /** had no final outcome when the execution was cancelled or stopped, or its number is on the do-not-call list (see skipReason) */
  | 'SKIPPED';

/** The lifecycle status of an execution */
export type ExecutionStatus =
  /** cancelled; contacts without a final outcome were skipped */
  | 'CANCELLED'
  /** every contact reached a final status */
  | 'COMPLETED'
  /** no new calls until it is resumed; calls in progress finish */
  | 'PAUSED'
  /** placing calls until every contact has a final status or the stop time comes */
  | 'RUNNING'
  /** waiting for its start time */
  | 'SCHEDULED'
  /** its stop time came; contacts without a final outcome were skipped */
  | 'STOPPED';

/** Where a program stands */
export type ProgramStatus =
  /** launched at least once */
  | 'ACTIVE'
  /** archived: cannot be launched; its flow and audience may be deleted */
  | 'ARCHIVED'
  /** never launched */
  | 'DRAFT';

export type LiveExecutionFragment = { id: string, programId: string, status: ExecutionStatus, effectiveStatus: EffectiveExecutionStatus, totalContacts: number, contactsCompleted: number, contactsFailed: number, contactsPending: number, contactsInProgress: number, contactsSkipped: number, scheduledStartAt: string, scheduledStopAt: string | null, actualStartAt: string | null, actualEndAt: string | null, createdAt: string, updatedAt: string, sequence: number };

export type ClientSignInCheckQueryVariables = Exact<{ [key: string]: never; }>;


export type ClientSignInCheckQuery = { programs: { meta: { total: number } } };

export type ClientExecutionsQueryVariables = Exact<{
  activeOnly?: boolean | null | undefined;
  programId?: string | number | null | undefined;
  page?: number | null | undefined;
  limit?: number | null | undefined;
}>;


export type ClientExecutionsQuery = { programExecutions: { data: Array<{ id: string, programId: string, status: ExecutionStatus, effectiveStatus: EffectiveExecutionStatus, totalContacts: number, contactsCompleted: number, contactsFailed: number, contactsPending: number, contactsInProgress: number, contactsSkipped: number, scheduledStartAt: string, scheduledStopAt: string | null, actualStartAt: string | null, actualEndAt: string | null, createdAt: string, updatedAt: string, sequence: number }>, meta: { total: number, page: number, totalPages: number } } };

export type ClientExecutionQueryVariables = Exact<{
  id: string | number;
}>;


export type ClientExecutionQuery = { programExecution: { id: string, programId: string, status: ExecutionStatus, effectiveStatus: EffectiveExecutionStatus, totalContacts: number, contactsCompleted: number, contactsFailed: number, contactsPending: number, contactsInProgress: number, contactsSkipped: number, scheduledStartAt: string, scheduledStopAt: string | null, actualStartAt: string | null, actualEndAt: string | null, createdAt: string, updatedAt: string, sequence: number } | null };

export type ClientProgramsQueryVariables = Exact<{
  page?: number | null | undefined;
  limit?: number | null | undefined;
}>;


export type ClientProgramsQuery = { programs: { data: Array<{ id: string, name: string, description: string | null, status: ProgramStatus, maxConcurrentCalls: number, createdAt: string, retryStrategy: { type: string } }>, meta: { total: number, page: number, totalPages: number } } };

export type ClientProgramNamesQueryVariables = Exact<{
  limit?: number | null | undefined;
}>;


export type ClientProgramNamesQuery = { programs: { data: Array<{ id: string, name: string }> } };

export type ClientExecutionContactsQueryVariables = Exact<{
  executionId: string | number;
  status?: ExecutionContactStatus | null | undefined;
  page?: number | null | undefined;
  limit?: number | null | undefined;
}>;


export type ClientExecutionContactsQuery = { executionContacts: { data: Array<{ contactId: string, primaryPhone: string, status: ExecutionContactStatus, attempts: number, nextAttemptAt: string | null, lastOutcome: string | null }>, meta: { total: number, page: number, totalPages: number } } };

export type ClientCallAttemptsQueryVariables = Exact<{
  executionId: string | number;
  contactId?: string | number | null | undefined;
}>;


export type ClientCallAttemptsQuery = { callAttempts: { data: Array<{ id: string, attemptNumber: number, outcome: string | null, failureReason: string | null, flowOutcome: string | null, startedAt: string, endedAt: string | null, durationMs: number | null, path: Array<string> | null, variables: Record<string, unknown> | null }> } };

export type ClientLaunchProgramMutationVariables = Exact<{
  programId: string | number;
}>;


export type ClientLaunchProgramMutation = { launchProgram: { id: string, programId: string, status: ExecutionStatus, effectiveStatus: EffectiveExecutionStatus, totalContacts: number, contactsCompleted: number, contactsFailed: number, contactsPending: number, contactsInProgress: number, contactsSkipped: number, scheduledStartAt: string, scheduledStopAt: string | null, actualStartAt: string | null, actualEndAt: string | null, createdAt: string, updatedAt: string, sequence: number } };

export type ClientPauseExecutionMutationVariables = Exact<{
  id: string | number;
}>;


export type ClientPauseExecutionMutation = { pauseExecution: { id: string, programId: string, status: ExecutionStatus, effectiveStatus: EffectiveExecutionStatus, totalContacts: number, contactsCompleted: number, contactsFailed: number, contactsPending: number, contactsInProgress: number, contactsSkipped: number, scheduledStartAt: string, scheduledStopAt: string | null, actualStartAt: string | null, actualEndAt: string | null, createdAt: string, updatedAt: string, sequence: number } };

export type ClientResumeExecutionMutationVariables = Exact<{
  id: string | number;
}>;


export type ClientResumeExecutionMutation = { resumeExecution: { id: string, programId: string, status: ExecutionStatus, effectiveStatus: EffectiveExecutionStatus, totalContacts: number, contactsCompleted: number, contactsFailed: number, contactsPending: number, contactsInProgress: number, contactsSkipped: number, scheduledStartAt: string, scheduledStopAt: string | null, actualStartAt: string | null, actualEndAt: string | null, createdAt: string, updatedAt: string, sequence: number } };

export type ClientCancelExecutionMutationVariables = Exact<{
  id: string | number;
}>;


export type ClientCancelExecutionMutation = { cancelExecution: { id: string, programId: string, status: ExecutionStatus, effectiveStatus: EffectiveExecutionStatus, totalContacts: number, contactsCompleted: number, contactsFailed: number, contactsPending: number, contactsInProgress: number, contactsSkipped: number, scheduledStartAt: string, scheduledStopAt: string | null, actualStartAt: string | null, actualEndAt: string | null, createdAt: string, updatedAt: string, sequence: number } };

export type ClientExecutionProgressSubscriptionVariables = Exact<{
  executionId: string | number;
}>;


export type ClientExecutionProgressSubscription = { executionProgress: { id: string, programId: string, status: ExecutionStatus, effectiveStatus: EffectiveExecutionStatus, totalContacts: number, contactsCompleted: number, contactsFailed: number, contactsPending: number, contactsInProgress: number, contactsSkipped: number, scheduledStartAt: string, scheduledStopAt: string | null, actualStartAt: string | null, actualEndAt: string | null, createdAt: string, updatedAt: string, sequence: number } };

export type ClientExecutionsChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ClientExecutionsChangedSubscription = { executionsChanged: { id: string, programId: string, status: ExecutionStatus, effectiveStatus: EffectiveExecutionStatus, totalContacts: number, contactsCompleted: number, contactsFailed: number, contactsPending: number, contactsInProgress: number, contactsSkipped: number, scheduledStartAt: string, scheduledStopAt: string | null, actualStartAt: string | null, actualEndAt: string | null, createdAt: string, updatedAt: string, sequence: number } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const LiveExecutionFragmentDoc = new TypedDocumentString(`
    fragment LiveExecution on ProgramExecution {
  id
  programId
  status
  effectiveStatus
  totalContacts
  contactsCompleted
  contactsFailed
  contactsPending
  contactsInProgress
  contactsSkipped
  scheduledStartAt
  scheduledStopAt
  actualStartAt
  actualEndAt
  createdAt
  updatedAt
  sequence
}
    `, {"fragmentName":"LiveExecution"}) as unknown as TypedDocumentString<LiveExecutionFragment, unknown>;
export const ClientSignInCheckDocument = new TypedDocumentString(`
    query ClientSignInCheck {
  programs(limit: 1) {
    meta {
      total
    }
  }
}
    `) as unknown as TypedDocumentString<ClientSignInCheckQuery, ClientSignInCheckQueryVariables>;
export const ClientExecutionsDocument = new TypedDocumentString(`
    query ClientExecutions($activeOnly: Boolean, $programId: ID, $page: Int, $limit: Int) {
  programExecutions(
    activeOnly: $activeOnly
    programId: $programId
    page: $page
    limit: $limit
  ) {
    data {
      ...LiveExecution
    }
    meta {
      total
      page
      totalPages
    }
  }
}
    fragment LiveExecution on ProgramExecution {
  id
  programId
  status
  effectiveStatus
  totalContacts
  contactsCompleted
  contactsFailed
  contactsPending
  contactsInProgress
  contactsSkipped
  scheduledStartAt
  scheduledStopAt
  actualStartAt
  actualEndAt
  createdAt
  updatedAt
  sequence
}`) as unknown as TypedDocumentString<ClientExecutionsQuery, ClientExecutionsQueryVariables>;
export const ClientExecutionDocument = new TypedDocumentString(`
    query ClientExecution($id: ID!) {
  programExecution(id: $id) {
    ...LiveExecution
  }
}
    fragment LiveExecution on ProgramExecution {
  id
  programId
  status
  effectiveStatus
  totalContacts
  contactsCompleted
  contactsFailed
  contactsPending
  contactsInProgress
  contactsSkipped
  scheduledStartAt
  scheduledStopAt
  actualStartAt
  actualEndAt
  createdAt
  updatedAt
  sequence
}`) as unknown as TypedDocumentString<ClientExecutionQuery, ClientExecutionQueryVariables>;
export const ClientProgramsDocument = new TypedDocumentString(`
    query ClientPrograms($page: Int, $limit: Int) {
  programs(page: $page, limit: $limit) {
    data {
      id
      name
      description
      status
      maxConcurrentCalls
      retryStrategy {
        type
      }
      createdAt
    }
    meta {
      total
      page
      totalPages
    }
  }
}
    `) as unknown as TypedDocumentString<ClientProgramsQuery, ClientProgramsQueryVariables>;
export const ClientProgramNamesDocument = new TypedDocumentString(`
    query ClientProgramNames($limit: Int) {
  programs(limit: $limit) {
    data {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ClientProgramNamesQuery, ClientProgramNamesQueryVariables>;
export const ClientExecutionContactsDocument = new TypedDocumentString(`
    query ClientExecutionContacts($executionId: ID!, $status: ExecutionContactStatus, $page: Int, $limit: Int) {
  executionContacts(
    executionId: $executionId
    status: $status
    page: $page
    limit: $limit
  ) {
    data {
      contactId
      primaryPhone
      status
      attempts
      nextAttemptAt
      lastOutcome
    }
    meta {
      total
      page
      totalPages
    }
  }
}
    `) as unknown as TypedDocumentString<ClientExecutionContactsQuery, ClientExecutionContactsQueryVariables>;
export const ClientCallAttemptsDocument = new TypedDocumentString(`
    query ClientCallAttempts($executionId: ID!, $contactId: ID) {
  callAttempts(executionId: $executionId, contactId: $contactId, limit: 100) {
    data {
      id
      attemptNumber
      outcome
      failureReason
      flowOutcome
      startedAt
      endedAt
      durationMs
      path
      variables
    }
  }
}
    `) as unknown as TypedDocumentString<ClientCallAttemptsQuery, ClientCallAttemptsQueryVariables>;
export const ClientLaunchProgramDocument = new TypedDocumentString(`
    mutation ClientLaunchProgram($programId: ID!) {
  launchProgram(programId: $programId) {
    ...LiveExecution
  }
}
    fragment LiveExecution on ProgramExecution {
  id
  programId
  status
  effectiveStatus
  totalContacts
  contactsCompleted
  contactsFailed
  contactsPending
  contactsInProgress
  contactsSkipped
  scheduledStartAt
  scheduledStopAt
  actualStartAt
  actualEndAt
  createdAt
  updatedAt
  sequence
}`) as unknown as TypedDocumentString<ClientLaunchProgramMutation, ClientLaunchProgramMutationVariables>;
export const ClientPauseExecutionDocument = new TypedDocumentString(`
    mutation ClientPauseExecution($id: ID!) {
  pauseExecution(id: $id) {
    ...LiveExecution
  }
}
    fragment LiveExecution on ProgramExecution {
  id
  programId
  status
  effectiveStatus
  totalContacts
  contactsCompleted
  contactsFailed
  contactsPending
  contactsInProgress
  contactsSkipped
  scheduledStartAt
  scheduledStopAt
  actualStartAt
  actualEndAt
  createdAt
  updatedAt
  sequence
}`) as unknown as TypedDocumentString<ClientPauseExecutionMutation, ClientPauseExecutionMutationVariables>;
export const ClientResumeExecutionDocument = new TypedDocumentString(`
    mutation ClientResumeExecution($id: ID!) {
  resumeExecution(id: $id) {
    ...LiveExecution
  }
}
    fragment LiveExecution on ProgramExecution {
  id
  programId
  status
  effectiveStatus
  totalContacts
  contactsCompleted
  contactsFailed
  contactsPending
  contactsInProgress
  contactsSkipped
  scheduledStartAt
  scheduledStopAt
  actualStartAt
  actualEndAt
  createdAt
  updatedAt
  sequence
}`) as unknown as TypedDocumentString<ClientResumeExecutionMutation, ClientResumeExecutionMutationVariables>;
export const ClientCancelExecutionDocument = new TypedDocumentString(`
    mutation ClientCancelExecution($id: ID!) {
  cancelExecution(id: $id) {
    ...LiveExecution
  }
}
    fragment LiveExecution on ProgramExecution {
  id
  programId
  status
  effectiveStatus
  totalContacts
  contactsCompleted
  contactsFailed
  contactsPending
  contactsInProgress
  contactsSkipped
  scheduledStartAt
  scheduledStopAt
  actualStartAt
  actualEndAt
  createdAt
  updatedAt
  sequence
}`) as unknown as TypedDocumentString<ClientCancelExecutionMutation, ClientCancelExecutionMutationVariables>;
export const ClientExecutionProgressDocument = new TypedDocumentString(`
    subscription ClientExecutionProgress($executionId: ID!) {
  executionProgress(executionId: $executionId) {
    ...LiveExecution
  }
}
    fragment LiveExecution on ProgramExecution {
  id
  programId
  status
  effectiveStatus
  totalContacts
  contactsCompleted
  contactsFailed
  contactsPending
  contactsInProgress
  contactsSkipped
  scheduledStartAt
  scheduledStopAt
  actualStartAt
  actualEndAt
  createdAt
  updatedAt
  sequence
}`) as unknown as TypedDocumentString<ClientExecutionProgressSubscription, ClientExecutionProgressSubscriptionVariables>;
export const ClientExecutionsChangedDocument = new TypedDocumentString(`
    subscription ClientExecutionsChanged {
  executionsChanged {
    ...LiveExecution
  }
}
    fragment LiveExecution on ProgramExecution {
  id
  programId
  status
  effectiveStatus
  totalContacts
  contactsCompleted
  contactsFailed
  contactsPending
  contactsInProgress
  contactsSkipped
  scheduledStartAt
  scheduledStopAt
  actualStartAt
  actualEndAt
  createdAt
  updatedAt
  sequence
}`) as unknown as TypedDocumentString<ClientExecutionsChangedSubscription, ClientExecutionsChangedSubscriptionVariables>;