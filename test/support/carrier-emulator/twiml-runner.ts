/**
 * Runs a call's TwiML as Twilio does: fetch the document, run its verbs in order; a <Gather> with input, a
 * <Record> with audio and a <Redirect> replace the document with the one their URL answers; the end of a
 * document, or <Hangup/>, ends the call.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { CallEngine } from "./call-engine";
import type { Call } from "./state";
import type { CallbackKind } from "./types";

interface Verb {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: Verb[];
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

type XmlNode = Record<string, unknown> & { ":@"?: Record<string, string> };

function toVerbs(nodes: XmlNode[]): Verb[] {
  const verbs: Verb[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ":@" && k !== "#text");
    if (!name || name.startsWith("?")) continue;
    const children = (node[name] as XmlNode[]) ?? [];
    const text = children.filter((c) => "#text" in c).map((c) => String(c["#text"])).join("");
    verbs.push({ name, attrs: node[":@"] ?? {}, text, children: toVerbs(children) });
  }
  return verbs;
}

/** The verbs of a TwiML document; throws when it is not XML or has no <Response>. */
export function parseTwiml(xml: string): Verb[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not XML: ${valid.err.msg}`);
  const root = toVerbs(parser.parse(xml) as XmlNode[]);
  const response = root.find((v) => v.name === "Response");
  if (!response) throw new Error("no <Response> element");
  return response.children;
}

type Step = "next" | "stop";
const methodOf = (v: Verb): "GET" | "POST" => (v.attrs.method?.toUpperCase() === "GET" ? "GET" : "POST");
const seconds = (value: string | undefined, dflt: number): number => {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) ? n : dflt;
};

/** Starts the call's flow once it is answered: its `Url` (or inline `Twiml`). */
export function runFlow(engine: CallEngine, call: Call): void {
  const gen = call.gen;
  if (call.twiml !== null) void runDocument(engine, call, gen, call.twiml, null);
  else void fetchAndRun(engine, call, gen, "voice", call.url!, call.method, {});
}

/** Replaces the running TwiML with the document at a URL (a REST redirect of a live call). */
export function redirectFlow(engine: CallEngine, call: Call, url: string, method: "GET" | "POST"): void {
  engine.stopFlow(call);
  void fetchAndRun(engine, call, call.gen, "redirect", url, method, {});
}

async function fetchAndRun(engine: CallEngine, call: Call, gen: number, kind: CallbackKind, url: string, method: "GET" | "POST", extra: Record<string, string>): Promise<void> {
  const params = { ...engine.callParams(call), ...extra };
  const r = await engine.request(call, { kind, callSid: call.sid, to: call.to, url, method, params, event: null, final: false });
  if (call.gen !== gen) return;
  if (!r || r.status === null || r.status < 200 || r.status >= 300) {
    return engine.flowFailed(call, `11200 HTTP retrieval failure: ${method} ${url} → ${r ? (r.status ?? r.error) : "dropped"}`);
  }
  await runDocument(engine, call, gen, r.body, url);
}

async function runDocument(engine: CallEngine, call: Call, gen: number, xml: string, docUrl: string | null): Promise<void> {
  let verbs: Verb[];
  try {
    verbs = parseTwiml(xml);
  } catch (err) {
    return engine.flowFailed(call, `12100 Document parse failure: ${(err as Error).message}`);
  }
  for (const verb of verbs) {
    if ((await runVerb(engine, call, gen, verb, docUrl, "")) === "stop") return;
  }
  if (call.gen === gen) engine.flowFinished(call);
}

/** Resolves an action/redirect URL against the document's; null (and the call fails) when it cannot. */
function resolveUrl(engine: CallEngine, call: Call, target: string | undefined, docUrl: string | null): string | null {
  try {
    return new URL(target || docUrl || "", docUrl ?? undefined).toString();
  } catch {
    engine.flowFailed(call, `11100 Invalid URL format: ${target ?? "(none)"} relative to ${docUrl ?? "(inline TwiML)"}`);
    return null;
  }
}

async function runVerb(engine: CallEngine, call: Call, gen: number, v: Verb, docUrl: string | null, prefix: string): Promise<Step> {
  if (call.gen !== gen || !engine.countVerb(call, prefix + v.name)) return "stop";
  const t = engine.state.timing;
  const wait = async (ms: number): Promise<Step> => ((await engine.sleep(call, gen, ms)) ? "next" : "stop");
  switch (v.name) {
    case "Say":
      return wait(t.sayMs);
    case "Play":
      return wait(t.playMs);
    case "Pause":
      return wait(seconds(v.attrs.length, 1) * t.secondMs);
    case "Hangup":
    case "Reject":
      engine.flowFinished(call);
      return "stop";
    case "Redirect": {
      const url = resolveUrl(engine, call, v.text, docUrl);
      if (url) await fetchAndRun(engine, call, gen, "redirect", url, methodOf(v), {});
      return "stop";
    }
    case "Gather":
      return gather(engine, call, gen, v, docUrl);
    case "Record":
      return record(engine, call, gen, v, docUrl);
    default:
      engine.flowFailed(call, `12100 Document parse failure: the emulator does not run <${v.name}>`);
      return "stop";
  }
}

/** What the callee's keys give at a <Gather>: the digits sent and the key that ended it, if any. */
function collectDigits(pressed: string, finishOnKey: string, numDigits: number | null): { digits: string; finishedOnKey: string } {
  let digits = "";
  for (const key of pressed) {
    if (finishOnKey !== "" && finishOnKey.includes(key)) return { digits, finishedOnKey: key };
    digits += key;
    if (numDigits !== null && digits.length >= numDigits) break;
  }
  return { digits, finishedOnKey: "" };
}

async function gather(engine: CallEngine, call: Call, gen: number, v: Verb, docUrl: string | null): Promise<Step> {
  for (const child of v.children) {
    if (!["Say", "Play", "Pause"].includes(child.name)) {
      engine.flowFailed(call, `12100 Document parse failure: <${child.name}> cannot be nested in <Gather>`);
      return "stop";
    }
    if ((await runVerb(engine, call, gen, child, docUrl, "Gather/")) === "stop") return "stop";
  }
  const t = engine.state.timing;
  const timeoutMs = seconds(v.attrs.timeout, 5) * t.secondMs;
  const finishOnKey = v.attrs.finishOnKey ?? "#";
  const numDigits = v.attrs.numDigits ? Number(v.attrs.numDigits) : null;
  const script = call.script;
  const n = call.gathersRun++;
  const listensToKeys = (v.attrs.input ?? "dtmf").split(/\s+/).includes("dtmf");
  const pressed = listensToKeys ? (n < script.digits.length ? script.digits[n] : script.defaultDigits) : null;
  const { digits, finishedOnKey } = collectDigits(pressed ?? "", finishOnKey, numDigits);
  const complete = finishedOnKey !== "" || (numDigits !== null && digits.length >= numDigits);
  // Without a finishing key or numDigits reached, the Gather ends `timeout` seconds after the last key.
  const ms = digits === "" ? timeoutMs : t.digitMs + (complete ? 0 : timeoutMs);
  if (!(await engine.sleep(call, gen, ms))) return "stop";
  if (engine.state.fullLogs) call.log.digits.push(digits === "" ? null : digits);
  if (digits === "" && v.attrs.actionOnEmptyResult !== "true") return "next";
  const action = resolveUrl(engine, call, v.attrs.action, docUrl);
  if (action) await fetchAndRun(engine, call, gen, "gather", action, methodOf(v), { Digits: digits, FinishedOnKey: finishedOnKey });
  return "stop";
}

async function record(engine: CallEngine, call: Call, gen: number, v: Verb, docUrl: string | null): Promise<Step> {
  const t = engine.state.timing;
  const silenceMs = seconds(v.attrs.timeout, 5) * t.secondMs;
  const maxLength = seconds(v.attrs.maxLength, 3600) || 3600;
  const finishOnKey = v.attrs.finishOnKey ?? "1234567890*#";
  const spoken = Math.min(call.script.recordSeconds, maxLength);
  // Nothing said: Twilio keeps no empty recording, skips the action and goes on with the next verb.
  if (spoken <= 0) return (await engine.sleep(call, gen, silenceMs)) ? "next" : "stop";
  const action = resolveUrl(engine, call, v.attrs.action, docUrl);
  if (!action) return "stop";
  const byKey = call.script.recordEnd === "key" && finishOnKey !== "" && spoken < maxLength;
  const key = byKey ? (finishOnKey.includes("#") ? "#" : finishOnKey[0]) : "";
  call.recording = { action, method: methodOf(v), startedAtMs: Date.now() };
  const ms = spoken * t.secondMs + (byKey || spoken >= maxLength ? 0 : silenceMs);
  if (!(await engine.sleep(call, gen, ms))) return "stop";
  call.recording = null;
  const rec = engine.newRecording(call, spoken, key);
  const extra = { RecordingUrl: rec.url, RecordingDuration: String(spoken), RecordingSid: rec.sid, Digits: key };
  await fetchAndRun(engine, call, gen, "record", action, methodOf(v), extra);
  return "stop";
}
