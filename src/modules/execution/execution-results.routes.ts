import { CONFLICT, route } from "../../http/rest/route";
import { launchResultSchema } from "./execution.schema";
import { executionReportSchema, relaunchInputSchema, resultOps } from "./execution-results.schema";

/** The REST routes of an execution's results. */
export const executionResultRoutes = [
  route({
    method: "get",
    path: "/program-executions/{id}/report",
    operationId: "getExecutionReport",
    tag: "Executions",
    summary: resultOps.report,
    id: "Execution",
    status: 200,
    response: executionReportSchema,
    handle: (s, { org, id }) => s.results.report(org, id),
  }),
  route({
    method: "post",
    path: "/program-executions/{id}/relaunch",
    operationId: "relaunchExecution",
    tag: "Executions",
    summary: resultOps.relaunch,
    description:
      "The source must be finished (InvalidExecutionStateError otherwise); the program must have no unfinished execution (ExecutionAlreadyRunningError); no contact in those statuses is AudienceEmptyError.",
    id: "Execution",
    body: { schema: relaunchInputSchema, required: true },
    status: 201,
    response: launchResultSchema,
    errors: [CONFLICT],
    async handle(s, { org, id, body }) {
      const execution = await s.results.relaunch(org, id, body);
      return { executionId: execution.id };
    },
  }),
];
