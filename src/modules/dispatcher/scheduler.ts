import type { Db } from "../../db/db";
import type { ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import { ExecutionStatus as S } from "../execution/execution.entity";
import { changeStatus, finishIfDone, mayFinish, publishAfterCommit } from "../execution/execution.store";
import type { UnfinishedExecution } from "./dispatch.store";

/**
 * The time-driven moves of executions: scheduled → running at the start time, running|paused → stopped at the stop
 * time (pending contacts skipped, calls in progress finish), and the end of an execution once nothing is left.
 * Every move is a compare-and-set, so any number of dispatchers may run it side by side.
 */
export class Scheduler {
  constructor(private readonly o: { db: Db; clock: Clock; events: ExecutionEventPublisher; logger: Logger }) {}

  /** Moves one execution as its times say; updates `e.status` when it moved it. */
  async run(e: UnfinishedExecution, now: number): Promise<void> {
    if (e.status === S.SCHEDULED && e.scheduledStartAt <= now) {
      if (await this.transition(e.id, "start")) e.status = S.RUNNING;
    }
    if ((e.status === S.RUNNING || e.status === S.PAUSED) && e.scheduledStopAt !== null && e.scheduledStopAt <= now) {
      if (await this.transition(e.id, "stop")) e.status = S.STOPPED;
    }
    if (mayFinish(e)) {
      await this.o.db.transaction(async (tx) => {
        if (await finishIfDone(tx, e.id, this.o.clock.now())) await publishAfterCommit(tx, this.o.events, e.id, "status");
      });
    }
  }

  /** start (scheduled → running) or stop (pending contacts skipped, calls in progress finish). */
  private transition(id: string, action: "start" | "stop"): Promise<boolean> {
    return this.o.db.transaction(async (tx) => {
      const at = this.o.clock.now();
      if (!(await changeStatus(tx, id, action, at))) return false;
      await publishAfterCommit(tx, this.o.events, id, "status");
      this.o.logger.info({ executionId: id, action }, "execution moved by the scheduler");
      return true;
    });
  }
}
