import { randomUUID } from "node:crypto";
import { Db, Tx } from "../../db/db";
import { insertRow } from "../../db/db";
import { isUniqueViolation } from "../../db/db";
import type { ExecutionChangeKind, ExecutionEventPublisher } from "../../pubsub/execution-events";
import type { Clock } from "../../shared/clock";
import {
  ExecutionAlreadyRunningError,
  InvalidExecutionStateError,
  NotFoundError,
  ProgramStatusConflictError,
  ValidationError,
} from "../../shared/errors";
import { Page, pageOf, parseListing } from "../../shared/pagination";
import { isUuid, parseInput } from "../../shared/validation";
import { DidService, EmptyDidPoolError } from "../did/did.service";
import { appendEvents } from "../events/event-log";
import { inPauseWindow } from "../rules/rule-times";
import { organizationZone } from "../rules/rules.store";
import { unknownRuleNodes } from "../rules/rules.schema";
import { resumeInputSchema } from "./execution.schema";
import { selectExecution } from "./execution.row";
import { FlowRecord, FlowVersion } from "../flow/flow.entity";
import { Program, ProgramStatus } from "../program/program.entity";
import { checkWindow, lockProgram } from "../program/program.service";
import { CallAttempt, ExecutionContact, ExecutionContactStatus, ExecutionStatus, ProgramExecution, SkipReason } from "./execution.entity";
import { callAttemptsQuery, executionContactsQuery, executionListQuery, launchInputSchema } from "./execution.schema";
import { ACTIVE_STATUSES, canTransition, ExecutionAction, EXECUTION_TRANSITIONS } from "./execution-lifecycle";
import { changeStatus, publishAfterCommit, readExecution } from "./execution.store";
import { callsQuery, contactsQuery } from "./execution.queries";
import { contactSource, LaunchSource } from "./execution-relaunch";

/** An idempotency key answers with the same execution for this long. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface LaunchOptions {
  idempotencyKey?: string | null;
  startAt?: Date | string | null;
  stopAt?: Date | string | null;
}

export interface ExecutionListFilter {
  programId?: string | null;
  activeOnly?: boolean | null;
  page?: unknown;
  limit?: unknown;
}

export class ExecutionService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly events: ExecutionEventPublisher,
    /** Set when calls go through a carrier: a launch then needs an active DID and carrier-playable audio. */
    private readonly carrierDids: DidService | null = null,
  ) {}

  /**
   * Launches a program: one transaction inserts the execution and copies the audience into the snapshot with
   * INSERT … SELECT (the audience never passes through Node). The unique `active_program_id` makes "one unfinished
   * execution per program" a database guarantee, also when launches race. The program is read inside that
   * transaction under its row lock, the lock update, archive and delete take, so an execution is never created
   * for a program that an archive or a delete has just changed. `source` (a relaunch) takes the contacts from a
   * finished execution instead of the audience.
   */
  async launch(organizationId: string, programId: string, options: LaunchOptions = {}, source: LaunchSource | null = null): Promise<ProgramExecution> {
    const opts = parseInput(launchInputSchema, options);
    const now = this.clock.now();
    // A first unlocked look answers the common refusals without a write transaction, and before the idempotency
    // key is honoured; the transaction checks again under the lock.
    const found = isUuid(programId) ? await this.db.read((r) => r.manager.findOneBy(Program, { organizationId, id: programId })) : null;
    mustBeLaunchable(found, programId);

    const key = opts.idempotencyKey ?? null;
    if (key) {
      const existing = await this.byIdempotencyKey(programId, key, now);
      if (existing) return existing;
    }

    try {
      return await this.db.transaction(async (tx) => {
        const program = mustBeLaunchable(await lockProgram(tx, organizationId, programId), programId);
        const requestedStart = opts.startAt === undefined ? program.startAt : opts.startAt;
        const stopAt = opts.stopAt === undefined ? program.stopAt : opts.stopAt;
        const startsLater = requestedStart !== null && requestedStart.getTime() > now.getTime();
        const scheduledStartAt = startsLater ? requestedStart : now;
        checkWindow(scheduledStartAt, stopAt, now);
        if (key) await this.expireIdempotencyKey(tx, programId, key, now);
        const flow = await tx.manager.findOneBy(FlowRecord, { id: program.flowId, organizationId });
        if (!flow) throw new ValidationError(`flow ${program.flowId} no longer exists`, "flowId");
        if (this.carrierDids) await this.checkCarrierReady(tx, program, flow);
        await this.checkRuleNodes(tx, program, flow);
        const id = randomUUID();
        const execution = tx.manager.create(ProgramExecution, {
          id,
          programId,
          organizationId,
          audienceId: program.audienceId,
          flowId: program.flowId,
          flowVersion: flow.version,
          status: startsLater ? ExecutionStatus.SCHEDULED : ExecutionStatus.RUNNING,
          totalContacts: 0,
          contactsCompleted: 0,
          contactsFailed: 0,
          contactsPending: 0,
          contactsInProgress: 0,
          contactsSkipped: 0,
          scheduledStartAt,
          scheduledStopAt: stopAt,
          actualStartAt: null,
          actualEndAt: null,
          createdAt: now,
          updatedAt: now,
          sequence: 1,
          retryStrategy: program.retryStrategy,
          maxConcurrentCalls: program.maxConcurrentCalls,
          activeProgramId: programId,
          idempotencyKey: key,
          eventPosition: 0,
          pauseReason: null,
          pauseWindows: program.pauseWindows,
          callingHours: program.callingHours,
          autoPauseRules: program.autoPauseRules ?? [],
          nodeRunCounts: {},
          inPauseWindow: inPauseWindow(program.pauseWindows, await organizationZone(tx, organizationId), now.getTime()),
        });
        await insertRow(tx, ProgramExecution, execution);
        // With calling hours, each contact keeps its number's time-zone set, and the snapshot is grouped by it so
        // claims pick only the groups that are open; without them, every contact is in one group (""). A number on
        // the do-not-call list is skipped at once (claims check the list again for numbers listed later).
        const dnc = (await tx.query("SELECT 1 FROM dnc_numbers WHERE organization_id = ? LIMIT 1", [organizationId])).length > 0;
        const listed = dnc ? "d.number IS NOT NULL" : "1 = 0";
        const from = contactSource(source, program.audienceId);
        const copied = await tx.execute(
          `INSERT INTO execution_contacts (execution_id, contact_id, primary_phone, status, skip_reason, attempts, next_attempt_at, zone_key)
           SELECT ?, c.id, c.primary_phone, CASE WHEN ${listed} THEN '${ExecutionContactStatus.SKIPPED}' ELSE '${ExecutionContactStatus.PENDING}' END,
             CASE WHEN ${listed} THEN '${SkipReason.DNC}' ELSE NULL END, 0, ?, ${program.callingHours ? "c.zone_key" : "''"}
           FROM ${from.join}
           ${dnc ? "LEFT JOIN dnc_numbers d ON d.organization_id = c.organization_id AND d.number = c.primary_phone" : ""}
           WHERE ${from.where}`,
          [id, scheduledStartAt.getTime(), ...from.params],
        );
        if (copied === 0) throw from.empty();
        const [{ n: suppressed }] = dnc
          ? await tx.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM execution_contacts WHERE execution_id = ? AND status = '${ExecutionContactStatus.SKIPPED}'`, [id])
          : [{ n: 0 }];
        if (program.callingHours) {
          await tx.execute(
            `INSERT INTO execution_zone_groups (execution_id, zone_key, contacts) SELECT execution_id, zone_key, COUNT(*) FROM execution_contacts WHERE execution_id = ? GROUP BY execution_id, zone_key`,
            [id],
          );
        }
        await tx.execute(
          "UPDATE program_executions SET total_contacts = ?, contacts_pending = ?, contacts_skipped = ?, sequence_no = sequence_no + 1 WHERE id = ?",
          [copied, copied - Number(suppressed), Number(suppressed), id],
        );
        await tx.execute("UPDATE programs SET status = ?, updated_at = ? WHERE id = ? AND status = ?", [
          ProgramStatus.ACTIVE,
          now.getTime(),
          programId,
          ProgramStatus.DRAFT,
        ]);
        await appendEvents(tx, id, [{ type: "execution.launched", data: { totalContacts: copied, skipped: Number(suppressed), status: execution.status, ...(source ? { relaunchOf: source.executionId } : {}) } }], now);
        return this.publishAfterCommit(tx, id, "launched");
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // Lost a race: to a launch with the same key (answer with its execution) or to another launch.
      if (key) {
        const existing = await this.byIdempotencyKey(programId, key, now);
        if (existing) return existing;
      }
      throw new ExecutionAlreadyRunningError();
    }
  }

  pause(organizationId: string, id: string): Promise<ProgramExecution> {
    return this.move(organizationId, id, "pause");
  }

  /**
   * Resumes; an execution whose last contact finished while it was paused completes right away. `autoPauseRules`
   * replaces its rules; a rule with `resetOnResume` sets its node's count back to 0.
   */
  async resume(organizationId: string, id: string, input: unknown = {}): Promise<ProgramExecution> {
    const { autoPauseRules } = parseInput(resumeInputSchema, input ?? {});
    return this.move(organizationId, id, "resume", async (tx, current) => {
      const rules = autoPauseRules ?? current.autoPauseRules ?? [];
      if (autoPauseRules) {
        const version = await tx.manager.findOneBy(FlowVersion, { flowId: current.flowId, version: current.flowVersion });
        const problems = unknownRuleNodes(autoPauseRules, new Set(version?.nodes.map((n) => n.id) ?? []), "autoPauseRules");
        if (problems.length) throw new ValidationError(problems);
      }
      const counts = { ...(current.nodeRunCounts ?? {}) };
      for (const r of rules) if (r.resetOnResume) counts[r.nodeId] = 0;
      await tx.execute("UPDATE program_executions SET auto_pause_rules = ?, node_run_counts = ? WHERE id = ?", [JSON.stringify(rules), JSON.stringify(counts), id]);
    });
  }

  /** Cancels: pending contacts become skipped; calls in progress finish and are recorded. */
  cancel(organizationId: string, id: string): Promise<ProgramExecution> {
    return this.move(organizationId, id, "cancel");
  }

  /** The hot read behind GET /api/program-executions/{id} and `programExecution`: plain SQL (execution.row.ts). */
  async get(organizationId: string, id: string): Promise<ProgramExecution | null> {
    if (!isUuid(id)) return null;
    return this.db.read((r) => readExecution(r, id, organizationId));
  }

  async mustGet(organizationId: string, id: string): Promise<ProgramExecution> {
    const execution = await this.get(organizationId, id);
    if (!execution) throw new NotFoundError("Execution", id);
    return execution;
  }

  async list(organizationId: string, filter: ExecutionListFilter): Promise<Page<ProgramExecution>> {
    const req = parseListing(executionListQuery, filter);
    if (req.programId != null && !isUuid(req.programId)) return pageOf([], 0, req);
    return this.db.read(async (r) => {
      const qb = r.manager.createQueryBuilder(ProgramExecution, "e").where("e.organization_id = :org", { org: organizationId });
      if (req.programId) qb.andWhere("e.program_id = :programId", { programId: req.programId });
      if (req.activeOnly) qb.andWhere("e.status IN (:...active)", { active: ACTIVE_STATUSES });
      const [data, total] = await qb.orderBy("e.created_at", "DESC").addOrderBy("e.id", "DESC").skip(req.offset).take(req.limit).getManyAndCount();
      return pageOf(data, total, req);
    });
  }

  async listContacts(organizationId: string, executionId: string, filter: { status?: unknown; page?: unknown; limit?: unknown }): Promise<Page<ExecutionContact>> {
    const req = parseListing(executionContactsQuery, filter);
    await this.mustGet(organizationId, executionId);
    return this.db.read(async (r) => {
      const [data, total] = await contactsQuery(r, executionId, req).skip(req.offset).take(req.limit).getManyAndCount();
      return pageOf(data, total, req);
    });
  }

  async listCallAttempts(organizationId: string, executionId: string, filter: { contactId?: unknown; page?: unknown; limit?: unknown }): Promise<Page<CallAttempt>> {
    const req = parseListing(callAttemptsQuery, filter);
    await this.mustGet(organizationId, executionId);
    return this.db.read(async (r) => {
      const [data, total] = await callsQuery(r, executionId, req).skip(req.offset).take(req.limit).getManyAndCount();
      return pageOf(data, total, req);
    });
  }

  /**
   * A lifecycle move as a compare-and-set. Zero rows changed means the status was not a source of the move:
   * the state it would reach answers with no change, anything else is INVALID_EXECUTION_STATE.
   */
  private async move(
    organizationId: string,
    id: string,
    action: ExecutionAction,
    /** Runs before a move that will happen (the row is locked), e.g. to change what comes with it. */
    before?: (tx: Tx, current: ProgramExecution) => Promise<void>,
  ): Promise<ProgramExecution> {
    if (!isUuid(id)) throw new NotFoundError("Execution", id);
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const current = await selectExecution(tx, id, organizationId, { forUpdate: true });
      if (!current) throw new NotFoundError("Execution", id);
      if (current.status === EXECUTION_TRANSITIONS[action].to) return current;
      if (before && canTransition(action, current.status)) await before(tx, current);
      if (!canTransition(action, current.status) || !(await changeStatus(tx, id, action, now))) {
        const fresh = (await readExecution(tx, id, organizationId))!;
        if (fresh.status === EXECUTION_TRANSITIONS[action].to) return fresh;
        throw new InvalidExecutionStateError(action, fresh.status);
      }
      return this.publishAfterCommit(tx, id, "status");
    });
  }

  private publishAfterCommit(tx: Tx, id: string, kind: ExecutionChangeKind): Promise<ProgramExecution> {
    return publishAfterCommit(tx, this.events, id, kind);
  }

  /** The flow may have changed since the program's rules were written: they must name nodes of the version pinned now. */
  private async checkRuleNodes(tx: Tx, program: Program, flow: FlowRecord): Promise<void> {
    if (!program.autoPauseRules?.length) return;
    const version = await tx.manager.findOneBy(FlowVersion, { flowId: flow.id, version: flow.version });
    const problems = unknownRuleNodes(program.autoPauseRules, new Set(version?.nodes.map((n) => n.id) ?? []), "autoPauseRules");
    if (problems.length) throw new ValidationError(problems);
  }

  /** A carrier calls from a DID the organization owns, and can only play audio it can fetch. */
  private async checkCarrierReady(tx: Tx, program: Program, flow: FlowRecord): Promise<void> {
    if (!(await this.carrierDids!.hasActive(tx, program.organizationId, program.didPool ?? []))) throw new EmptyDidPoolError(program.id);
    const version = await tx.manager.findOneBy(FlowVersion, { flowId: flow.id, version: flow.version });
    const withFile = version?.nodes.find((n) => n.type === "play" && n.config.audioItems.some((item) => item.type === "audioFile"));
    if (withFile) {
      throw new ValidationError(
        `node ${JSON.stringify(withFile.id)} plays an audioFile item, which a carrier cannot fetch (there is no audio library yet): use tts or audioUrl items`,
        "flowId",
      );
    }
  }

  private async byIdempotencyKey(programId: string, key: string, now: Date): Promise<ProgramExecution | null> {
    const found = await this.db.read((r) => r.manager.findOneBy(ProgramExecution, { programId, idempotencyKey: key }));
    return found && now.getTime() - found.createdAt.getTime() < IDEMPOTENCY_TTL_MS ? found : null;
  }

  /** A key older than its 24 hours is released so it can start a new execution. */
  private async expireIdempotencyKey(tx: Tx, programId: string, key: string, now: Date): Promise<void> {
    await tx.execute("UPDATE program_executions SET idempotency_key = NULL WHERE program_id = ? AND idempotency_key = ? AND created_at <= ?", [
      programId,
      key,
      now.getTime() - IDEMPOTENCY_TTL_MS,
    ]);
  }
}

function mustBeLaunchable(program: Program | null, programId: string): Program {
  if (!program) throw new NotFoundError("Program", programId);
  if (program.status === ProgramStatus.ARCHIVED) throw new ProgramStatusConflictError(`Program ${programId} is archived; set its status to active to launch it`);
  return program;
}
