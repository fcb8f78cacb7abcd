import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import type { RetryStrategy } from "../../src/modules/program/retry-strategy.types";
import { createProgramFixture, phones } from "../support/fixtures";
import { expectCountersTrue } from "../support/invariants";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { attemptsOf, contactsOf, dispatcherEnv, expectAttemptsWellFormed, privateDatabase, startSampler, waitFinished, readExec } from "./support";

// The simulator: the last digit of the number decides each attempt's outcome.
const HUMAN = ["completed"];
const RETRIED_TWICE: Record<number, string[]> = {
  0: HUMAN,
  1: HUMAN,
  2: HUMAN,
  3: HUMAN,
  4: HUMAN,
  5: ["noAnswer", "noAnswer", "completed"],
  6: ["noAnswer", "noAnswer", "noAnswer"],
  7: ["busy", "busy", "busy"],
  8: ["rejected", "rejected", "rejected"],
  9: ["voicemail", "voicemail", "voicemail"],
};
const STATUS_RETRIED_TWICE: Record<number, string> = { 0: "completed", 1: "completed", 2: "completed", 3: "completed", 4: "completed", 5: "completed", 6: "failed", 7: "failed", 8: "failed", 9: "failed" };

interface Case {
  name: string;
  strategy: (launchAt: number) => RetryStrategy;
  attempts: Record<number, string[]>;
  status: Record<number, string>;
  /** The earliest start of attempt k+1 (k = 1, 2) given when attempt k ended and when the execution was launched. */
  earliestRetry?: (k: number, prevEnded: number, launchAt: number) => number;
}

const CASES: Case[] = [
  {
    name: "none: one attempt each; a person or voicemail completes, the rest fail",
    strategy: () => ({ type: "none" }),
    attempts: { 0: HUMAN, 1: HUMAN, 2: HUMAN, 3: HUMAN, 4: HUMAN, 5: ["noAnswer"], 6: ["noAnswer"], 7: ["busy"], 8: ["rejected"], 9: ["voicemail"] },
    status: { 0: "completed", 1: "completed", 2: "completed", 3: "completed", 4: "completed", 5: "failed", 6: "failed", 7: "failed", 8: "failed", 9: "completed" },
  },
  {
    name: "fixed_delay, maxRetries 2: up to 3 attempts, voicemail retried",
    strategy: () => ({ type: "fixed_delay", delayMinutes: 0.002, maxRetries: 2 }),
    attempts: RETRIED_TWICE,
    status: STATUS_RETRIED_TWICE,
    earliestRetry: (_k, prevEnded) => prevEnded + 120,
  },
  {
    name: "fixed_delay, retryOnVoicemail false: voicemail completes at once",
    strategy: () => ({ type: "fixed_delay", delayMinutes: 0.002, maxRetries: 2, retryOnVoicemail: false }),
    attempts: { ...RETRIED_TWICE, 9: ["voicemail"] },
    status: { ...STATUS_RETRIED_TWICE, 9: "completed" },
    earliestRetry: (_k, prevEnded) => prevEnded + 120,
  },
  {
    name: "scheduled, two dates: retry k waits for date k",
    strategy: (t) => ({ type: "scheduled", retryDates: [new Date(t + 1000).toISOString(), new Date(t + 1500).toISOString()] }),
    attempts: RETRIED_TWICE,
    status: STATUS_RETRIED_TWICE,
    earliestRetry: (k, _prev, t) => t + 500 + 500 * k,
  },
  {
    name: "scheduled, retryOnVoicemail false",
    strategy: (t) => ({ type: "scheduled", retryDates: [new Date(t + 1000).toISOString(), new Date(t + 1500).toISOString()], retryOnVoicemail: false }),
    attempts: { ...RETRIED_TWICE, 9: ["voicemail"] },
    status: { ...STATUS_RETRIED_TWICE, 9: "completed" },
    earliestRetry: (k, _prev, t) => t + 500 + 500 * k,
  },
];

describeEachDb("dispatcher: every simulator digit through every retry strategy", (target) => {
  let app: App;
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const db = await privateDatabase(target, "strategies");
    drop = db.drop;
    app = await startTestApp({ databaseUrl: db.url, roles: "dispatcher", env: dispatcherEnv({ VOICECAST_SIM_CALL_MS: "40" }) });
  });
  afterAll(async () => {
    await app?.stop();
    await drop();
  });

  it("runs all strategies side by side to the exact attempts and final status per digit", async () => {
    const { organizationId } = await newOrg(app);
    const launchAt = Date.now();
    // One execution per strategy, all running at once (the dispatcher serves them round-robin).
    const runs = await Promise.all(
      CASES.map(async (c, i) => {
        const fixture = await createProgramFixture(app, organizationId, { phones: phones(10, undefined, i * 10), retryStrategy: c.strategy(launchAt), maxConcurrentCalls: 4 });
        const execution = await app.services.executions.launch(organizationId, fixture.programId);
        return { c, execution };
      }),
    );
    const samplers = runs.map(({ execution }) => startSampler(() => readExec(app, execution.id)));

    for (const { c, execution } of runs) {
      const done = await waitFinished(app, execution.id);
      expect(done.status, c.name).toBe("completed");
      expect(done.actualStartAt).not.toBeNull();
      expect(done.actualStartAt!.getTime()).toBeGreaterThanOrEqual(done.scheduledStartAt.getTime());
      await expectCountersTrue(app.db, execution.id);

      const contacts = await contactsOf(app, execution.id);
      const attempts = await attemptsOf(app, execution.id);
      expectAttemptsWellFormed(attempts, contacts);
      for (const contact of contacts) {
        const digit = Number(contact.phone.slice(-1));
        const mine = attempts.filter((a) => a.contactId === contact.contactId);
        expect(mine.map((a) => a.outcome), `${c.name}: outcomes of digit ${digit}`).toEqual(c.attempts[digit]);
        expect(contact.status, `${c.name}: status of digit ${digit}`).toBe(c.status[digit]);
        expect(contact.attempts).toBe(c.attempts[digit].length);
        expect(contact.lastOutcome).toBe(c.attempts[digit].at(-1));
        expect(contact.nextAttemptAt).toBeNull();
        for (const a of mine) {
          expect(a.failureReason).toBeNull();
          expect(a.endedAt).toBeGreaterThanOrEqual(a.startedAt);
          const answered = a.outcome === "completed" || a.outcome === "voicemail";
          expect(a.answeredAt !== null, `answeredAt of a ${a.outcome} attempt`).toBe(answered);
          expect(a.flowOutcome).toBe(answered ? "hungUp" : null);
          expect(a.path).toEqual(answered ? ["dial", "bye"] : ["dial"]);
        }
        if (c.earliestRetry) {
          for (let k = 1; k < mine.length; k++) expect(mine[k].startedAt, `${c.name}: retry ${k} of digit ${digit}`).toBeGreaterThanOrEqual(c.earliestRetry(k, mine[k - 1].endedAt!, launchAt));
        }
      }
      const totals = { completed: 0, failed: 0 };
      for (let d = 0; d <= 9; d++) totals[c.status[d] as "completed" | "failed"]++;
      expect({ completed: done.contactsCompleted, failed: done.contactsFailed, skipped: done.contactsSkipped, pending: done.contactsPending, inProgress: done.contactsInProgress }).toEqual({
        ...totals,
        skipped: 0,
        pending: 0,
        inProgress: 0,
      });
    }
    for (const s of samplers) {
      const samples = await s.stop();
      expect(samples.length).toBeGreaterThan(0);
      // maxConcurrentCalls holds in every sample.
      for (const e of samples) expect(e.contactsInProgress).toBeLessThanOrEqual(4);
    }
  });
});
