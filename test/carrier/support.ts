import { randomBytes } from "node:crypto";
import twilio from "twilio";
import { createApp, App } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import type { FlowNode } from "../../src/modules/flow/flow.types";
import type { RetryStrategy } from "../../src/modules/program/retry-strategy.types";
import { CarrierEmulator, startCarrierEmulator } from "../support/carrier-emulator";
import { SIMPLE_FLOW } from "../support/fixtures";
import { freePort } from "../support/processes";

export const ACCOUNT_SID = `AC${"0".repeat(31)}1`;

/** The environment a Voicecast process needs to call through the emulator and get its webhooks on `port`. */
export function carrierEnv(emulator: CarrierEmulator, port: number, more: Record<string, string> = {}): Record<string, string> {
  return {
    VOICECAST_TELEPHONY: "twilio",
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_API_URL: emulator.baseUrl,
    VOICECAST_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    VOICECAST_POLL_MS: "20",
    VOICECAST_LEASE_MS: "3000",
    VOICECAST_DRAIN_MS: "3000",
    ...more,
  };
}

export function newEmulator(opts: Partial<Parameters<typeof startCarrierEmulator>[0]> = {}): Promise<CarrierEmulator> {
  return startCarrierEmulator({ accountSid: ACCOUNT_SID, authToken: randomBytes(16).toString("hex"), ...opts });
}

export interface CarrierStack {
  emulator: CarrierEmulator;
  app: App;
  port: number;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Voicecast in this process (api and dispatcher by default) calling through a carrier emulator. */
export async function startCarrierStack(databaseUrl: string, opts: { roles?: string; env?: Record<string, string>; emulator?: CarrierEmulator } = {}): Promise<CarrierStack> {
  const emulator = opts.emulator ?? (await newEmulator());
  const port = await freePort();
  const env = carrierEnv(emulator, port, opts.env);
  const app = await createApp(loadConfig({ DATABASE_URL: databaseUrl, VOICECAST_ROLES: opts.roles ?? "api,dispatcher", VOICECAST_LOG_LEVEL: "silent", ...env }));
  await app.start();
  return {
    emulator,
    app,
    port,
    env,
    async stop() {
      await app.stop();
      await emulator.stop();
    },
  };
}

/** A flow with every media node a carrier runs: play, a dtmf menu, a recording. */
export const IVR_FLOW: { startNodeId: string; nodes: FlowNode[] } = {
  startNodeId: "dial",
  nodes: [
    { id: "dial", type: "dial", config: { timeout: 20000, enableAMD: true }, outputs: { onAnswer: "greet", onVoicemail: "vm" } },
    { id: "greet", type: "play", config: { audioItems: [{ type: "tts", text: "Hello from Voicecast" }, { type: "audioUrl", url: "https://example.com/jingle.mp3" }] }, outputs: { onComplete: "menu" } },
    {
      id: "menu",
      type: "dtmf",
      config: { mode: "single_digit", branches: { "1": "bye", "2": "rec" }, timeoutMs: 3000, maxRetries: 1, variableName: "choice" },
      outputs: { onTimeout: "bye", onInvalid: "menu", onMaxRetries: "bye" },
    },
    { id: "rec", type: "record", config: { variableName: "message", maxDurationMs: 10000 }, outputs: { onComplete: "tag", onTimeout: "tag" } },
    { id: "tag", type: "set_variable", config: { variableName: "who", value: { source: "system", name: "sys.answeredBy" } }, outputs: { onSuccess: "bye" } },
    { id: "vm", type: "play", config: { audioItems: [{ type: "tts", text: "Sorry we missed you" }] }, outputs: { onComplete: "bye" } },
    { id: "bye", type: "hangup", config: { reason: "done" }, outputs: {} },
  ],
};

/** Contacts, audience, flow, a DID and a program whose pool holds it, through the services. */
export async function carrierProgram(
  app: App,
  organizationId: string,
  opts: { phones: string[]; retryStrategy?: RetryStrategy; maxConcurrentCalls?: number; flow?: { startNodeId: string; nodes: FlowNode[] }; didNumber?: string },
): Promise<{ programId: string; didId: string; contactIds: string[] }> {
  const s = app.services;
  const contacts = await s.contacts.upsertContacts(organizationId, opts.phones.map((primaryPhone) => ({ primaryPhone })));
  const audience = await s.audiences.createAudience(organizationId, { name: "carrier audience" });
  await s.audiences.addContacts(organizationId, audience.id, contacts.map((c) => c.id));
  const flow = await s.flows.createFlow(organizationId, { name: "carrier flow", ...(opts.flow ?? SIMPLE_FLOW) });
  const did = await s.dids.createDid(organizationId, { number: opts.didNumber ?? "+14155550100" });
  const program = await s.programs.createProgram(organizationId, {
    name: "carrier program",
    audienceId: audience.id,
    flowId: flow.id,
    retryStrategy: opts.retryStrategy ?? { type: "none" },
    maxConcurrentCalls: opts.maxConcurrentCalls ?? 10,
    didPool: [did.id],
  });
  return { programId: program.id, didId: did.id, contactIds: contacts.map((c) => c.id) };
}

/** A status callback as the carrier signs it (for a test that plays a late or forged carrier). */
export async function postSigned(url: string, params: Record<string, string>, authToken: string, signature?: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(signature === undefined ? { "x-twilio-signature": twilio.getExpectedTwilioSignature(authToken, url, params) } : signature ? { "x-twilio-signature": signature } : {}),
    },
    body: new URLSearchParams(params).toString(),
  });
}

/** Calls a person answered, per number, from the emulator's call log. */
export function personAnsweredPerNumber(emulator: CarrierEmulator): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of emulator.calls()) if (c.personAnswered) out.set(c.to, (out.get(c.to) ?? 0) + 1);
  return out;
}
