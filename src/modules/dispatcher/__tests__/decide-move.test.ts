import { describe, expect, it } from "vitest";
import { ExecutionStatus as S } from "../../execution/execution.entity";
import type { RetryStrategy } from "../../program/retry-strategy.types";
import { decideMove } from "../dispatcher";

const ENDED = new Date("2030-01-01T12:00:00.000Z");
const FIXED: RetryStrategy = { type: "fixed_delay", delayMinutes: 1, maxRetries: 2 };

describe("decideMove: where a contact goes after an attempt", () => {
  it("follows the retry strategy while the execution runs or is paused", () => {
    for (const status of [S.RUNNING, S.PAUSED]) {
      expect(decideMove(FIXED, status, "c", 1, "completed", ENDED)).toEqual({ contactId: "c", to: "completed", outcome: "completed", nextAttemptAt: null });
      expect(decideMove(FIXED, status, "c", 1, "busy", ENDED)).toEqual({ contactId: "c", to: "pending", outcome: "busy", nextAttemptAt: ENDED.getTime() + 60_000 });
      expect(decideMove(FIXED, status, "c", 3, "busy", ENDED)).toEqual({ contactId: "c", to: "failed", outcome: "busy", nextAttemptAt: null });
    }
  });

  it("after a cancel or stop, a retry still due makes the contact skipped; final outcomes stay final", () => {
    for (const status of [S.CANCELLED, S.STOPPED]) {
      expect(decideMove(FIXED, status, "c", 1, "noAnswer", ENDED)).toEqual({ contactId: "c", to: "skipped", outcome: "noAnswer", nextAttemptAt: null });
      expect(decideMove(FIXED, status, "c", 3, "noAnswer", ENDED).to).toBe("failed");
      expect(decideMove(FIXED, status, "c", 1, "completed", ENDED).to).toBe("completed");
      expect(decideMove({ type: "none" }, status, "c", 1, "busy", ENDED).to).toBe("failed");
    }
  });

  it("a lost attempt (lease expired) counts as failed", () => {
    expect(decideMove(FIXED, S.RUNNING, "c", 2, "failed", ENDED)).toMatchObject({ to: "pending", outcome: "failed" });
    expect(decideMove({ type: "none" }, S.RUNNING, "c", 1, "failed", ENDED)).toMatchObject({ to: "failed" });
  });
});
