import type { App } from "../../src/app";
import type { FlowNode } from "../../src/modules/flow/flow.types";
import type { RetryStrategy } from "../../src/modules/program/retry-strategy.types";

/** The smallest valid flow: dial, and a hangup on answer. */
export const SIMPLE_FLOW: { startNodeId: string; nodes: FlowNode[] } = {
  startNodeId: "dial",
  nodes: [
    { id: "dial", type: "dial", config: { timeout: 30000, enableAMD: true }, outputs: { onAnswer: "bye", onVoicemail: "bye" } },
    { id: "bye", type: "hangup", config: { reason: "done", hangupType: "normal" }, outputs: {} },
  ],
};

/** E.164 numbers (valid US numbers) whose last digit picks the simulator's outcome. */
export function phones(count: number, lastDigit?: number, offset = 0): string[] {
  if (offset + count > 799_999) throw new Error("phones(): at most 799,999 numbers");
  return Array.from({ length: count }, (_, i) => {
    const k = offset + i;
    return `+1415${2_000_000 + k * 10 + (lastDigit ?? k % 10)}`;
  });
}

export interface ProgramFixture {
  programId: string;
  audienceId: string;
  flowId: string;
  contactIds: string[];
}

/** Contacts → audience → flow → program through the services (the same ones GraphQL and REST call). */
export async function createProgramFixture(
  app: App,
  organizationId: string,
  opts: { phones?: string[]; retryStrategy?: RetryStrategy; maxConcurrentCalls?: number; startAt?: Date; stopAt?: Date } = {},
): Promise<ProgramFixture> {
  const s = app.services;
  const list = opts.phones ?? phones(5);
  const contacts = await s.contacts.upsertContacts(organizationId, list.map((primaryPhone) => ({ primaryPhone })));
  const audience = await s.audiences.createAudience(organizationId, { name: "audience" });
  await s.audiences.addContacts(organizationId, audience.id, contacts.map((c) => c.id));
  const flow = await s.flows.createFlow(organizationId, { name: "flow", ...SIMPLE_FLOW });
  const program = await s.programs.createProgram(organizationId, {
    name: "program",
    audienceId: audience.id,
    flowId: flow.id,
    retryStrategy: opts.retryStrategy ?? { type: "none" },
    maxConcurrentCalls: opts.maxConcurrentCalls ?? 10,
    ...(opts.startAt ? { startAt: opts.startAt } : {}),
    ...(opts.stopAt ? { stopAt: opts.stopAt } : {}),
  });
  return { programId: program.id, audienceId: audience.id, flowId: flow.id, contactIds: contacts.map((c) => c.id) };
}
