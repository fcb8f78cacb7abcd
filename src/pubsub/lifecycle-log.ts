import type { ProgramExecution } from "../modules/execution/execution.entity";
import type { Logger } from "../shared/logger";
import { executionFinished } from "../shared/metrics";
import type { ExecutionChangeKind, ExecutionEventPublisher } from "./execution-events";

/**
 * Every committed lifecycle change of an execution (launch, start, pause, resume, cancel, stop, completion, finish)
 * is published after its commit with kind "launched" or "status", by whichever process committed it. Wrapping the
 * publisher logs each of them exactly once, in that process, with the counters; counter-only progress is not logged.
 */
export function withLifecycleLog(inner: ExecutionEventPublisher, logger: Logger): ExecutionEventPublisher {
  return {
    publishExecution(snapshot: ProgramExecution, kind: ExecutionChangeKind): void {
      if (kind !== "progress") {
        try {
          logChange(logger, snapshot, kind);
        } catch {
          // A log line must never fail a publish.
        }
      }
      inner.publishExecution(snapshot, kind);
    },
  };
}

function logChange(logger: Logger, e: ProgramExecution, kind: ExecutionChangeKind): void {
  const finished = e.actualEndAt !== null;
  if (finished) executionFinished(e.status);
  const msg = kind === "launched" ? "execution launched" : finished ? "execution finished" : `execution ${e.status}`;
  logger.info(
    {
      executionId: e.id,
      programId: e.programId,
      organizationId: e.organizationId,
      status: e.status,
      finished,
      sequence: e.sequence,
      counters: {
        total: e.totalContacts,
        completed: e.contactsCompleted,
        failed: e.contactsFailed,
        pending: e.contactsPending,
        inProgress: e.contactsInProgress,
        skipped: e.contactsSkipped,
      },
    },
    msg,
  );
}
