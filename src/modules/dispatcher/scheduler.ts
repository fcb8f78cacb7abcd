import type { Db } from "../../db/db";
import type { ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import { ExecutionStatus as S } from "../execution/execution.entity";
import { appendEvents } from "../events/event-log";
import { TERMINAL_STATUSES } from "../execution/execution-lifecycle";
import { changeStatus, finishIfDone, mayFinish, publishAfterCommit } from "../execution/execution.store";
import { inPauseWindow } from "../rules/rule-times";
import { organizationZone } from "../rules/rules.store";
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
    if (e.pauseWindows && !TERMINAL_STATUSES.includes(e.status)) await this.windowEdge(e, now);
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

  /**
   * A pause window opened or closed: the execution's effective status changes (running ⇄ paused_window) though its
   * status does not. The change bumps `sequence`, is logged and published, so dashboards follow without polling.
   */
  private async windowEdge(e: UnfinishedExecution, now: number): Promise<void> {
    const inside = inPauseWindow(e.pauseWindows, await this.zoneOf(e.organizationId), now);
    if (inside === e.inPauseWindow) return;
    await this.o.db.transaction(async (tx) => {
      const at = this.o.clock.now();
      const moved = await tx.execute("UPDATE program_executions SET in_pause_window = ?, sequence_no = sequence_no + 1, updated_at = ? WHERE id = ? AND in_pause_window = ?", [
        inside ? 1 : 0,
        at.getTime(),
        e.id,
        inside ? 0 : 1,
      ]);
      if (!moved) return;
      if (e.status === S.RUNNING) {
        await appendEvents(tx, e.id, [{ type: "execution.status_changed", data: { from: S.RUNNING, to: S.RUNNING, effectiveStatus: inside ? "paused_window" : "running" } }], at);
      }
      await publishAfterCommit(tx, this.o.events, e.id, "status");
      this.o.logger.info({ executionId: e.id, inPauseWindow: inside }, inside ? "pause window opened" : "pause window closed");
    });
    e.inPauseWindow = inside;
  }

  private zones = new Map<string, { zone: string; at: number }>();
  /** The organization's zone, read at most every few seconds. */
  private async zoneOf(organizationId: string): Promise<string> {
    const hit = this.zones.get(organizationId);
    if (hit && Date.now() - hit.at < 5000) return hit.zone;
    const zone = await this.o.db.read((r) => organizationZone(r, organizationId));
    this.zones.set(organizationId, { zone, at: Date.now() });
    return zone;
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
