import type { Db } from "../../db/db";
import { NotFoundError } from "../../shared/errors";
import { isUuid } from "../../shared/validation";
import type { ProgramExecution } from "./execution.entity";
import type { ExecutionService } from "./execution.service";
import { computeReport, ExecutionReport } from "./execution-report";
import { relaunch } from "./execution-relaunch";

/** Results of an execution: its report, and relaunching its failures. */
export class ExecutionResultsService {
  constructor(
    private readonly db: Db,
    private readonly executions: ExecutionService,
  ) {}

  async report(organizationId: string, executionId: string): Promise<ExecutionReport> {
    return this.db.read(async (r) => {
      const owned = isUuid(executionId) && (await r.query("SELECT 1 FROM program_executions WHERE id = ? AND organization_id = ?", [executionId, organizationId])).length > 0;
      if (!owned) throw new NotFoundError("Execution", executionId);
      return computeReport(r, executionId);
    });
  }

  /** `input`: `{ statuses: ["failed", "skipped"] }`. Answers the new execution. */
  relaunch(organizationId: string, executionId: string, input: unknown): Promise<ProgramExecution> {
    return relaunch(this.db, this.executions, organizationId, executionId, input);
  }
}
