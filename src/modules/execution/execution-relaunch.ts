import type { Db } from "../../db/db";
import { AudienceEmptyError, InvalidExecutionStateError, NotFoundError, ValidationError } from "../../shared/errors";
import { isUuid, parseInput } from "../../shared/validation";
import type { ExecutionService } from "./execution.service";
import { relaunchInputSchema } from "./execution-results.schema";
import { readExecution, isFinished } from "./execution.store";
import type { ProgramExecution } from "./execution.entity";

/** Where a relaunch takes its contacts from: a finished execution's contacts in these statuses. */
export interface LaunchSource {
  executionId: string;
  statuses: readonly string[];
}

/**
 * The rows a launch copies into its snapshot, joined to `contacts c` (their current number and time zones): the
 * program's audience, or for a relaunch the chosen contacts of the source execution (one range of its
 * (execution_id, status, …) index per status). Contacts deleted since are left out, as a launch would.
 */
export function contactSource(source: LaunchSource | null, audienceId: string): { join: string; where: string; params: unknown[]; empty: () => Error } {
  if (!source) {
    return {
      join: "audience_contacts ac JOIN contacts c ON c.id = ac.contact_id",
      where: "ac.audience_id = ?",
      params: [audienceId],
      empty: () => new AudienceEmptyError(audienceId),
    };
  }
  return {
    join: "execution_contacts src JOIN contacts c ON c.id = src.contact_id",
    where: `src.execution_id = ? AND src.status IN (${source.statuses.map(() => "?").join(", ")})`,
    params: [source.executionId, ...source.statuses],
    empty: () => new AudienceEmptyError(audienceId, `Execution ${source.executionId} has no ${source.statuses.join(" or ")} contacts to call again`),
  };
}

/**
 * Relaunch: the program launched again (the launch path itself, with its rules and its database guarantee of one
 * unfinished execution per program) over the contacts of a finished execution in the given statuses.
 */
export async function relaunch(db: Db, executions: ExecutionService, organizationId: string, executionId: string, input: unknown): Promise<ProgramExecution> {
  const { statuses } = parseInput(relaunchInputSchema, input ?? {});
  if (new Set(statuses).size !== statuses.length) throw new ValidationError("must not repeat a status", "statuses");
  const source = isUuid(executionId) ? await db.read((r) => readExecution(r, executionId, organizationId)) : null;
  if (!source) throw new NotFoundError("Execution", executionId);
  // Its contacts' statuses move until it is finished.
  if (!isFinished(source)) throw new InvalidExecutionStateError("relaunch", `${source.status} and not finished`);
  return executions.launch(organizationId, source.programId, {}, { executionId, statuses });
}
