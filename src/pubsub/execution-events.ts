import type { ProgramExecution } from "../modules/execution/execution.entity";

/**
 * Why a snapshot is published: a launch, a status change (never merged away) or counters only (coalesced).
 * Use "status" whenever the status changed or the execution became finished (`actualEndAt` set): those reach the
 * organization's feed (`executionsChanged`) and are never coalesced; "progress" reaches the execution's topic only.
 */
export type ExecutionChangeKind = "launched" | "status" | "progress";

/**
 * Where services and the dispatcher announce a committed change of an execution. Called from `tx.afterCommit`
 * only, with a full snapshot read inside the transaction, so a subscriber never sees a number the database
 * does not hold. Implementations must not throw into the caller (a failed publish never fails a commit).
 */
export interface ExecutionEventPublisher {
  publishExecution(snapshot: ProgramExecution, kind: ExecutionChangeKind): void;
}
