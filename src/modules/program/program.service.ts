import { randomUUID } from "node:crypto";
import { Db, Reader, Tx } from "../../db/db";
import { insertRow } from "../../db/db";
import { findOrgPage } from "../../db/org-page";
import type { Clock } from "../../shared/clock";
import { FieldProblem, NotFoundError, ResourceInUseError, ValidationError } from "../../shared/errors";
import { Page, parsePage } from "../../shared/pagination";
import { isUuid, parseInput } from "../../shared/validation";
import type { DidService } from "../did/did.service";
import { AutoPauseRule, unknownRuleNodes } from "../rules/rules.schema";
import { Program, ProgramStatus } from "./program.entity";
import { previewProgram, ProgramPreview } from "./program-preview";
import { programInput, programUpdate } from "./program.schema";

export { MAX_CONCURRENT_CALLS } from "./program.schema";

export class ProgramService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly dids: DidService,
  ) {}

  async createProgram(organizationId: string, input: unknown): Promise<Program> {
    const now = this.clock.now();
    const data = parseInput(programInput(now), input);
    const retryStrategy = data.retryStrategy ?? { type: "none" };
    checkWindow(data.startAt ?? null, data.stopAt ?? null, now);
    return this.db.transaction(async (tx) => {
      await this.mustOwnRefs(tx, organizationId, data.audienceId, data.flowId);
      const didPool = await this.dids.checkPool(tx, organizationId, data.didPool ?? []);
      const autoPauseRules = data.autoPauseRules ?? [];
      await checkRuleNodes(tx, data.flowId, autoPauseRules);
      const program = tx.manager.create(Program, {
        id: randomUUID(),
        organizationId,
        name: data.name,
        description: data.description ?? null,
        status: ProgramStatus.DRAFT,
        audienceId: data.audienceId,
        flowId: data.flowId,
        startAt: data.startAt ?? null,
        stopAt: data.stopAt ?? null,
        retryStrategy,
        maxConcurrentCalls: data.maxConcurrentCalls ?? 10,
        didPool,
        pauseWindows: data.pauseWindows ?? null,
        callingHours: data.callingHours ?? null,
        autoPauseRules,
        createdAt: now,
        updatedAt: now,
      });
      await insertRow(tx, Program, program);
      return program;
    });
  }

  /** Partial update; later executions use the new values, running ones keep theirs. `status` archives. */
  async updateProgram(organizationId: string, id: string, input: unknown): Promise<Program> {
    const now = this.clock.now();
    const patch = parseInput(programUpdate(now), input);
    return this.db.transaction(async (tx) => {
      const program = await mustLockProgram(tx, organizationId, id);
      await this.mustOwnRefs(tx, organizationId, patch.audienceId, patch.flowId);
      const didPool = patch.didPool === undefined ? program.didPool : await this.dids.checkPool(tx, organizationId, patch.didPool ?? []);
      const autoPauseRules = patch.autoPauseRules === undefined ? program.autoPauseRules : (patch.autoPauseRules ?? []);
      if (patch.autoPauseRules !== undefined || patch.flowId !== undefined) await checkRuleNodes(tx, patch.flowId ?? program.flowId, autoPauseRules ?? []);
      const startAt = patch.startAt === undefined ? program.startAt : patch.startAt;
      const stopAt = patch.stopAt === undefined ? program.stopAt : patch.stopAt;
      if (patch.startAt !== undefined || patch.stopAt !== undefined) checkWindow(startAt, stopAt, now);
      if (patch.status !== undefined && patch.status !== program.status) {
        program.status = await this.nextStatus(tx, program, patch.status);
      }
      Object.assign(program, {
        name: patch.name ?? program.name,
        description: patch.description === undefined ? program.description : patch.description,
        audienceId: patch.audienceId ?? program.audienceId,
        flowId: patch.flowId ?? program.flowId,
        startAt,
        stopAt,
        retryStrategy: patch.retryStrategy ?? program.retryStrategy,
        maxConcurrentCalls: patch.maxConcurrentCalls ?? program.maxConcurrentCalls,
        didPool,
        pauseWindows: patch.pauseWindows === undefined ? program.pauseWindows : patch.pauseWindows,
        callingHours: patch.callingHours === undefined ? program.callingHours : patch.callingHours,
        autoPauseRules,
        updatedAt: now,
      });
      await tx.manager.save(Program, program);
      return program;
    });
  }

  /**
   * Refused while the program has an unfinished execution; finished executions stay as history. The program row
   * is locked first, as launch locks it, so a launch and a delete never both succeed.
   */
  async deleteProgram(organizationId: string, id: string): Promise<Program> {
    return this.db.transaction(async (tx) => {
      const program = await mustLockProgram(tx, organizationId, id);
      await mustHaveNoUnfinishedExecution(tx, id, "cancel it before deleting the program");
      await tx.execute("DELETE FROM programs WHERE id = ?", [id]);
      return program;
    });
  }

  /** What a launch would meet now (audience, do-not-call list, calling hours, pause windows), without launching. */
  async preview(organizationId: string, id: string): Promise<ProgramPreview> {
    const program = isUuid(id) ? await this.db.read((r) => r.manager.findOneBy(Program, { organizationId, id })) : null;
    if (!program) throw new NotFoundError("Program", id);
    return this.db.read((r) => previewProgram(r, program, this.clock.now().getTime()));
  }

  async getProgram(organizationId: string, id: string): Promise<Program | null> {
    if (!isUuid(id)) return null;
    return this.db.read((r) => r.manager.findOneBy(Program, { organizationId, id }));
  }

  async listPrograms(organizationId: string, page: { page?: unknown; limit?: unknown }): Promise<Page<Program>> {
    const req = parsePage(page);
    return this.db.read((r) => findOrgPage(r, Program, organizationId, req));
  }

  /**
   * Archiving is allowed from draft or active while no execution of the program is unfinished (an archived program
   * has nothing running); un-archiving goes back to active once launched, else draft.
   */
  private async nextStatus(tx: Tx, program: Program, wanted: ProgramStatus): Promise<ProgramStatus> {
    if (wanted === "archived") {
      await mustHaveNoUnfinishedExecution(tx, program.id, "cancel it before archiving the program");
      return ProgramStatus.ARCHIVED;
    }
    const launched = await tx.query("SELECT 1 FROM program_executions WHERE program_id = ? LIMIT 1", [program.id]);
    const natural = launched.length ? ProgramStatus.ACTIVE : ProgramStatus.DRAFT;
    if (wanted !== natural) {
      throw new ValidationError(
        launched.length ? "a program that has been launched can only be active or archived" : "a program becomes active at its first launch",
        "status",
      );
    }
    return natural;
  }

  private async mustOwnRefs(tx: Tx, organizationId: string, audienceId?: string, flowId?: string): Promise<void> {
    const problems: FieldProblem[] = [];
    if (audienceId !== undefined) {
      const rows = isUuid(audienceId) ? await tx.query("SELECT 1 FROM audiences WHERE id = ? AND organization_id = ?", [audienceId, organizationId]) : [];
      if (!rows.length) problems.push({ field: "audienceId", message: `audience ${audienceId} does not exist` });
    }
    if (flowId !== undefined) {
      const rows = isUuid(flowId) ? await tx.query("SELECT 1 FROM flows WHERE id = ? AND organization_id = ?", [flowId, organizationId]) : [];
      if (!rows.length) problems.push({ field: "flowId", message: `flow ${flowId} does not exist` });
    }
    if (problems.length) throw new ValidationError(problems);
  }

}

/**
 * Reads the program and locks its row for the rest of the transaction (SQLite runs one transaction at a time).
 * Launch, update, archive and delete all take this lock first, so a launch either sees the archive or delete that
 * raced it, or finishes before it starts.
 */
export async function lockProgram(tx: Tx, organizationId: string, id: string): Promise<Program | null> {
  if (!isUuid(id)) return null;
  const locked = await tx.query("SELECT id FROM programs WHERE id = ? AND organization_id = ?" + tx.dialect.lock(), [id, organizationId]);
  return locked.length ? tx.manager.findOneBy(Program, { organizationId, id }) : null;
}

async function mustLockProgram(tx: Tx, organizationId: string, id: string): Promise<Program> {
  const program = await lockProgram(tx, organizationId, id);
  if (!program) throw new NotFoundError("Program", id);
  return program;
}

async function mustHaveNoUnfinishedExecution(r: Reader, programId: string, advice: string): Promise<void> {
  const active = await r.query<{ id: string }>("SELECT id FROM program_executions WHERE active_program_id = ?", [programId]);
  if (active.length) throw new ResourceInUseError(`Program ${programId} has an unfinished execution (${active[0].id}); ${advice}`);
}

/** Every auto-pause rule names a node of the flow's current version (checked again at launch against the pinned one). */
async function checkRuleNodes(tx: Tx, flowId: string, rules: readonly AutoPauseRule[]): Promise<void> {
  if (rules.length === 0) return;
  const [version] = await tx.query<{ nodes: string }>("SELECT v.nodes FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version WHERE f.id = ?", [flowId]);
  const ids = new Set<string>(version ? (JSON.parse(version.nodes) as Array<{ id: string }>).map((n) => n.id) : []);
  const problems = unknownRuleNodes(rules, ids, "autoPauseRules");
  if (problems.length) throw new ValidationError(problems);
}

/** A stop time must be in the future and after the start time. */
export function checkWindow(startAt: Date | null, stopAt: Date | null, now: Date): void {
  const problems: FieldProblem[] = [];
  if (stopAt && stopAt.getTime() <= now.getTime()) problems.push({ field: "stopAt", message: "must be in the future" });
  if (stopAt && startAt && stopAt.getTime() <= startAt.getTime()) problems.push({ field: "stopAt", message: "must be after startAt" });
  if (problems.length) throw new ValidationError(problems);
}
