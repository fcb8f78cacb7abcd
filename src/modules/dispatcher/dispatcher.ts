import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type Db, isConnectionError } from "../../db/db";
import type { ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import type { Logger } from "../../shared/logger";
import { sleep } from "../../shared/retry";
import { WakeSignal } from "../../shared/wake-signal";
import { ExecutionStatus as S } from "../execution/execution.entity";
import type { Carrier } from "../telephony/carrier";
import type { TelephonyProvider } from "../telephony/telephony.provider";
import { SIMULATOR_CALLER_ID } from "./caller-ids";
import { CarrierPlacer } from "./carrier-placer";
import { Claimer } from "./claimer";
import { CompletionWriter } from "./completion-writer";
import { listUnfinishedExecutions, UnfinishedExecution } from "./dispatch.store";
import { FlowCache } from "./flow-cache";
import { Holdings } from "./holdings";
import { InProcessCalls } from "./in-process-calls";
import { LeaseKeeper } from "./lease-keeper";
import { type Pacer, unlimitedPacer } from "./pacer";
import { Scheduler } from "./scheduler";

export { decideMove } from "./completion";

export interface DispatcherOptions {
  db: Db;
  clock: Clock;
  events: ExecutionEventPublisher;
  logger: Logger;
  /** A provider that holds its calls in this process (the simulator)… */
  provider?: TelephonyProvider;
  /** …or a carrier that runs them on its webhooks. */
  carrier?: Carrier;
  /** Calls per second across the deployment (VOICECAST_CALLS_PER_SECOND); none: no limit. */
  pacer?: Pacer;
  /** Runs an opt_out node of an in-process call. */
  optOut?: (organizationId: string, phone: string) => Promise<void>;
  /** Loop interval when idle (VOICECAST_POLL_MS). */
  pollMs: number;
  /** Lease on a claimed contact (VOICECAST_LEASE_MS); renewed every third of it. */
  leaseMs: number;
  /** How long stop() lets calls in progress run (VOICECAST_DRAIN_MS). */
  drainMs: number;
  /** Owner id stamped on claimed contacts; unique per process start. */
  id?: string;
  /** Claims this process holds at most, all executions together. */
  maxInFlight?: number;
  /** Contacts one claim transaction takes at most. */
  claimBatch?: number;
  /** Finished calls one completion transaction records at most. */
  completionBatch?: number;
}

/**
 * The dispatcher role: a loop that wires small parts with one job each. Per pass, the scheduler moves executions as
 * their times say, the lease keeper reclaims what dead dispatchers left (and asks the carrier about silent calls), and
 * the claimer takes due contacts of running executions, fairly, within the calls-per-second budget, for the placer
 * (in-process calls or a carrier). Results go through the completion writer, the one store operation that records
 * attempts. Any number of dispatchers may share one database: every move is a compare-and-set, and caps hold
 * because claims lock the execution row.
 */
export class Dispatcher {
  readonly id: string;
  private readonly log: Logger;
  private readonly holdings = new Holdings();
  private readonly completions: CompletionWriter;
  private readonly scheduler: Scheduler;
  private readonly claimer: Claimer;
  private readonly leases: LeaseKeeper;
  private readonly placer: InProcessCalls | CarrierPlacer;
  private readonly pacer: Pacer;
  private readonly maxInFlight: number;
  private readonly claimBatch: number;

  private loop: Promise<void> | null = null;
  private draining = false;
  private stopped: Promise<void> | null = null;
  private readonly signal = new WakeSignal();
  private roundRobin = 0;
  private lastReclaimCheck = 0;

  constructor(private readonly o: DispatcherOptions) {
    if (!o.provider === !o.carrier) throw new Error("a dispatcher needs exactly one of provider and carrier");
    this.id = (o.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`).slice(0, 64);
    this.log = o.logger.child({ dispatcher: this.id });
    this.maxInFlight = o.maxInFlight ?? 10_000;
    this.claimBatch = o.claimBatch ?? 500;
    this.pacer = o.pacer ?? unlimitedPacer;
    // Parts wake the loop when capacity frees up (a completion, a placement): claim again without waiting for the poll.
    const wake = () => this.signal.wake();
    const flows = new FlowCache(o.db);
    const common = { db: o.db, clock: o.clock, events: o.events, logger: this.log };
    this.completions = new CompletionWriter({ ...common, batch: o.completionBatch, onWritten: wake });
    this.scheduler = new Scheduler(common);
    this.claimer = new Claimer({ ...common, leaseMs: o.leaseMs, owner: this.id, fallbackCallerId: o.carrier ? null : SIMULATOR_CALLER_ID });
    this.leases = new LeaseKeeper({ ...common, holdings: this.holdings, leaseMs: o.leaseMs, completions: this.completions, carrier: o.carrier ?? null });
    const parts = { ...common, flows, holdings: this.holdings, completions: this.completions, pacer: this.pacer, wake };
    this.placer = o.carrier ? new CarrierPlacer({ ...parts, carrier: o.carrier }) : new InProcessCalls({ ...parts, provider: o.provider!, optOut: o.optOut });
  }

  /** Claims held: calls being placed or running here, or results awaiting their write. */
  get inFlight(): number {
    return this.holdings.size;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
    this.leases.start();
    this.log.info("dispatcher started");
  }

  /**
   * Drains: no new claims; calls in progress run to their end for up to drainMs and are recorded; calls still
   * running then are aborted and not recorded (their leases run out and any dispatcher's scheduler records them).
   */
  stop(): Promise<void> {
    return (this.stopped ??= this.drain());
  }

  private async drain(): Promise<void> {
    this.draining = true;
    this.signal.wake();
    await this.loop;
    const deadline = Date.now() + this.o.drainMs;
    if (this.placer.running > 0) {
      await Promise.race([this.placer.settled(), sleep(this.o.drainMs)]);
      if (this.placer.running > 0) {
        this.log.warn({ calls: this.placer.running }, "drain time is up: aborting calls in progress");
        this.holdings.abortAll(new Error("dispatcher stopped"));
        await this.placer.settled();
      }
    }
    // Results held through a database outage get what is left of the drain time.
    const giveUp = setTimeout(() => this.completions.abandon(), Math.max(0, deadline - Date.now()));
    await this.completions.idle();
    clearTimeout(giveUp);
    await this.leases.stop();
    this.log.info("dispatcher stopped");
  }

  // ---- loop -------------------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    while (!this.draining) {
      let busy = false;
      try {
        busy = await this.tick();
      } catch (err) {
        this.logFailure(err, "dispatcher tick failed");
      }
      if (!busy && !this.draining) await this.signal.sleep(this.o.pollMs);
    }
  }

  /** One pass of scheduler, lease work and claims; answers whether it claimed anything (then it runs again at once). */
  private async tick(): Promise<boolean> {
    this.signal.clear();
    const executions = await this.o.db.read((r) => listUnfinishedExecutions(r));
    const now = this.o.clock.now().getTime();
    for (const e of executions) {
      if (this.draining) return false;
      await this.guard("scheduler step failed", e.id, () => this.scheduler.run(e, now));
    }
    // Leases are long compared to the poll: looking for expired ones a few times per lease is enough.
    if (now - this.lastReclaimCheck >= Math.min(this.o.leaseMs / 4, 1000)) {
      this.lastReclaimCheck = now;
      for (const e of executions) {
        if (this.draining) return false;
        if (e.contactsInProgress > 0) await this.guard("reclaim failed", e.id, () => this.leases.reclaimExpired(e.id));
      }
      await this.guard("looking up silent calls failed", null, () => this.leases.checkSilentCalls());
    }
    // While results cannot be written, claim nothing: what is held stays bounded.
    if (this.completions.stalled) return false;
    return this.claimAll(executions, now);
  }

  private async guard(what: string, executionId: string | null, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.logFailure(err, what, { executionId });
    }
  }

  /** An unreachable database is logged once per outage by Db; a loop that polls must not repeat it every pass. */
  private logFailure(err: unknown, what: string, context: object = {}): void {
    if (!isConnectionError(err)) this.log.error({ err, ...context }, what);
  }

  /** One claim per running execution with room, in an order that rotates every pass (fair across executions). */
  private async claimAll(executions: UnfinishedExecution[], now: number): Promise<boolean> {
    const eligible = executions.filter(
      (e) =>
        e.status === S.RUNNING &&
        !e.inPauseWindow &&
        e.contactsPending > 0 &&
        e.contactsInProgress < e.maxConcurrentCalls &&
        (e.scheduledStopAt === null || e.scheduledStopAt > now),
    );
    let budget = this.maxInFlight - this.holdings.size;
    if (eligible.length === 0 || budget <= 0) return false;
    const first = this.roundRobin++ % eligible.length;
    const order = [...eligible.slice(first), ...eligible.slice(0, first)];
    const share = Math.max(1, Math.ceil(budget / order.length));
    let claimed = 0;
    for (const e of order) {
      if (this.draining || budget <= 0) break;
      const want = Math.min(share, budget, this.claimBatch, e.maxConcurrentCalls - e.contactsInProgress);
      try {
        const waits = await this.pacer.reserve(want);
        if (waits.length === 0) break; // the calls-per-second budget is spent for the next second
        const n = await this.claim(e, waits);
        budget -= n;
        claimed += n;
      } catch (err) {
        this.logFailure(err, "claim failed", { executionId: e.id });
      }
    }
    return claimed > 0;
  }

  private async claim(e: UnfinishedExecution, waits: number[]): Promise<number> {
    const executionId = e.id;
    const claim = await this.claimer.claim(e, waits.length);
    if (!claim) return 0;
    const held = claim.contacts.map((c) =>
      this.holdings.hold({ executionId, contactId: c.contactId, attemptId: c.attemptId, attemptNumber: c.attemptNumber, phone: c.phone, fromNumber: c.fromNumber, startedAt: claim.startedAt, leaseUntil: claim.leaseUntil }),
    );
    await this.placer.place(claim.exec, held, waits);
    return held.length;
  }
}
