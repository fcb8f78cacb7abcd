import { describe, expect, it } from "vitest";
import { ExecutionStatus as S } from "../execution.entity";
import { canTransition, EXECUTION_TRANSITIONS, ExecutionAction } from "../execution-lifecycle";

// The contract's lifecycle, written out independently of the table, so a change to the table must match it.
const ALLOWED: Record<ExecutionAction, S[]> = {
  start: [S.SCHEDULED],
  pause: [S.RUNNING],
  resume: [S.PAUSED],
  cancel: [S.SCHEDULED, S.RUNNING, S.PAUSED],
  stop: [S.RUNNING, S.PAUSED],
  complete: [S.RUNNING],
};

describe("execution transition table", () => {
  for (const action of Object.keys(ALLOWED) as ExecutionAction[]) {
    for (const from of Object.values(S)) {
      const allowed = ALLOWED[action].includes(from);
      it(`${action} from ${from} is ${allowed ? "allowed" : "refused"}`, () => {
        expect(canTransition(action, from)).toBe(allowed);
      });
    }
  }

  it("has no move out of a terminal status", () => {
    for (const t of Object.values(EXECUTION_TRANSITIONS)) {
      expect(t.from).not.toContain(S.COMPLETED);
      expect(t.from).not.toContain(S.STOPPED);
      expect(t.from).not.toContain(S.CANCELLED);
    }
  });
});
