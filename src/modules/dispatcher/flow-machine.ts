// The call flow as a pure state machine. It walks the nodes that need nobody (condition, set_variable) on its own
// and stops at each node that needs the call (dial, play, dtmf, record) or the server (opt_out), answering an
// Instruction; the driver carries it out and feeds the result back as an Input. The state is plain JSON, so a
// call that runs on a carrier's webhooks can be saved after each turn and continued by any process; the simulator
// drives the same machine in memory (flow-interpreter.ts).

import type { FlowOutcome } from "../telephony/call-outcome";
import type { AnsweredBy, DialResult, UnansweredOutcome } from "../telephony/telephony.provider";
import type { AudioItem, ConditionOperator, DtmfMode, FlowDefinition, FlowNode } from "../flow/flow.types";
import { CONDITION_OPERATORS, DTMF_DIGITS, MAX_FLOW_STEPS } from "../flow/flow.types";
import { compareValues, resolveValue, type CallContact, type ValueContext } from "./flow-values";

/** Config defaults. Dial's come from the contract; the others are ours. */
export const DIAL_DEFAULTS = { timeout: 30_000, enableAMD: true } as const;
export const DTMF_DEFAULTS = { mode: "single_digit", timeoutMs: 5_000, maxRetries: 3 } as const;
export const RECORD_DEFAULTS = { maxDurationMs: 60_000 } as const;


export interface FlowEnd {
  flowOutcome: FlowOutcome;
  /** Why the call is hung up (passed to the provider). */
  hangupReason: string;
  /** A flow problem worth recording on the attempt (invalid_flow, flow_step_limit), or null. */
  failureReason: string | null;
}

export interface FlowState {
  /** The node waiting for its Input; null before the start and once the flow ended. */
  at: string | null;
  /** Inputs consumed so far: a webhook names the turn it answers, so a repeated one is recognised. */
  turn: number;
  steps: number;
  path: string[];
  variables: Record<string, unknown>;
  /** Invalid dtmf presses per node, across the call (bounds a re-prompt loop). */
  invalid: Record<string, number>;
  /** Set once the dial was answered. */
  answeredBy: AnsweredBy | null;
  dialed: boolean;
  end: FlowEnd | null;
}

export type Instruction =
  | { kind: "dial"; nodeId: string; timeoutMs: number; enableAMD: boolean }
  | { kind: "play"; nodeId: string; items: AudioItem[] }
  | { kind: "gather"; nodeId: string; mode: DtmfMode; timeoutMs: number; validDigits: string[] }
  | { kind: "record"; nodeId: string; maxDurationMs: number }
  | { kind: "opt_out"; nodeId: string }
  | { kind: "end"; end: FlowEnd };

export type FlowInput =
  | { kind: "dialed"; result: DialResult }
  /** play finished, opt_out done */
  | { kind: "done" }
  /** the node's operation failed: its onError */
  | { kind: "failed" }
  | { kind: "digits"; digits: string | null }
  /** `recording` is null when the callee left nothing (the variable is not set). */
  | { kind: "recorded"; recording: string | null; durationMs: number };

/** What the machine needs besides the flow: who is called, for value sources. */
export interface FlowContext {
  contact: CallContact;
  callId: string;
  programId: string;
  executionId: string;
  attemptNumber: number;
}

export interface Turn {
  state: FlowState;
  instruction: Instruction;
}

const OUTPUT_BY_UNANSWERED: Record<UnansweredOutcome, string> = {
  noAnswer: "onNoAnswer",
  busy: "onBusy",
  rejected: "onRejected",
  failed: "onError",
};

type Loose = { id: string; type: string; config: Record<string, unknown>; outputs: Record<string, unknown> };

// Index of a flow's nodes, built once per flow object (a dispatcher runs one pinned flow for many calls). Missing
// config or outputs read as {} so a flow handed over unvalidated fails into flow errors instead of crashing.
const indexes = new WeakMap<FlowDefinition, Map<string, FlowNode>>();

function nodesOf(flow: FlowDefinition): Map<string, FlowNode> {
  let index = indexes.get(flow);
  if (!index) {
    index = new Map();
    for (const raw of (Array.isArray(flow.nodes) ? flow.nodes : []) as unknown[] as Loose[]) {
      if (typeof raw !== "object" || raw === null || typeof raw.id !== "string" || index.has(raw.id)) continue;
      index.set(raw.id, { ...raw, config: raw.config ?? {}, outputs: raw.outputs ?? {} } as FlowNode);
    }
    indexes.set(flow, index);
  }
  return index;
}

function digitRank(digit: string): number {
  const i = (DTMF_DIGITS as readonly string[]).indexOf(digit);
  return i >= 0 ? i : DTMF_DIGITS.length;
}

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

function nonNegative(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** The state before the call: at the start node, which must be the dial node. */
export function startFlow(flow: FlowDefinition): Turn {
  const state: FlowState = { at: null, turn: 0, steps: 0, path: [], variables: {}, invalid: {}, answeredBy: null, dialed: false, end: null };
  const start = nodesOf(flow).get(flow.startNodeId);
  if (!start || start.type !== "dial") {
    // Validation prevents this; without a dial node there is no call to make.
    return finish(state, { flowOutcome: "error", hangupReason: "invalid_flow", failureReason: "invalid_flow" });
  }
  state.steps = 1;
  state.path.push(start.id);
  state.at = start.id;
  return { state, instruction: instructionFor(start) };
}

/** Feeds the result of the pending instruction to the waiting node and walks on to the next instruction. */
export function advance(flow: FlowDefinition, previous: FlowState, input: FlowInput, ctx: FlowContext): Turn {
  const state: FlowState = structuredClone(previous);
  const node = state.at === null ? undefined : nodesOf(flow).get(state.at);
  if (state.end || !node) return { state, instruction: { kind: "end", end: state.end ?? { flowOutcome: "error", hangupReason: "invalid_flow", failureReason: "invalid_flow" } } };
  state.turn += 1;
  state.at = null;
  const step = consume(node, state, input);
  return walk(flow, state, node, step, ctx);
}

/** The instruction the state waits on (to answer a repeated request again). */
export function pendingInstruction(flow: FlowDefinition, state: FlowState): Instruction {
  if (state.end) return { kind: "end", end: state.end };
  const node = state.at === null ? undefined : nodesOf(flow).get(state.at);
  if (!node) return { kind: "end", end: { flowOutcome: "error", hangupReason: "invalid_flow", failureReason: "invalid_flow" } };
  return node.type === "opt_out" ? { kind: "opt_out", nodeId: node.id } : instructionFor(node);
}

/** Ends the flow from outside (the callee hung up, the call was aborted). */
export function endFlow(previous: FlowState, end: FlowEnd): FlowState {
  if (previous.end) return previous;
  return finish(structuredClone(previous), end).state;
}

/** What a node did: fire a named output (`threw` marks a failure), or jump straight to a node (dtmf branch). */
type Step = { output: string; threw?: boolean } | { goto: string };

function consume(node: FlowNode, state: FlowState, input: FlowInput): Step {
  if (input.kind === "failed") return { output: "onError", threw: true };
  switch (node.type) {
    case "dial": {
      if (input.kind !== "dialed") return { output: "onError", threw: true };
      state.dialed = true;
      const r = input.result;
      if (!r.answered) return { output: OUTPUT_BY_UNANSWERED[r.outcome] };
      state.answeredBy = r.answeredBy;
      return { output: r.answeredBy === "machine" ? "onVoicemail" : "onAnswer" };
    }
    case "play":
    case "opt_out":
      return input.kind === "done" ? { output: node.type === "play" ? "onComplete" : "onSuccess" } : { output: "onError", threw: true };
    case "dtmf":
      return input.kind === "digits" ? dtmfStep(node, state, input.digits) : { output: "onError", threw: true };
    case "record": {
      if (input.kind !== "recorded") return { output: "onError", threw: true };
      if (input.recording !== null) setVariable(state, node.config.variableName, input.recording);
      // Cut off at the maximum length: the callee was still talking.
      return { output: input.durationMs >= positive(node.config.maxDurationMs, RECORD_DEFAULTS.maxDurationMs) ? "onTimeout" : "onComplete" };
    }
    default:
      return { output: "onError", threw: true };
  }
}

function dtmfStep(node: Extract<FlowNode, { type: "dtmf" }>, state: FlowState, digits: string | null): Step {
  if (digits === null || digits === "") return { output: "onTimeout" };
  const { config } = node;
  setVariable(state, config.variableName, digits);
  const branches = branchesOf(node);
  // Without branches the node just collects input; with branches it is a menu.
  if (branches.size === 0) return { output: "onSuccess" };
  const target = branches.get(digits);
  if (target !== undefined) return { goto: target };
  const invalid = (state.invalid[node.id] ?? 0) + 1;
  state.invalid[node.id] = invalid;
  return { output: invalid <= nonNegative(config.maxRetries, DTMF_DEFAULTS.maxRetries) ? "onInvalid" : "onMaxRetries" };
}

function branchesOf(node: Extract<FlowNode, { type: "dtmf" }>): Map<string, string> {
  const out = new Map<string, string>();
  const branches: unknown = node.config.branches;
  if (typeof branches === "object" && branches !== null && !Array.isArray(branches)) {
    for (const [digit, target] of Object.entries(branches)) if (typeof target === "string") out.set(digit, target);
  }
  return out;
}

function pickOutput(node: FlowNode, output: string): string | undefined {
  const outputs = node.outputs as Record<string, unknown>;
  const named = Object.hasOwn(outputs, output) ? outputs[output] : undefined;
  if (typeof named === "string") return named;
  const fallback = Object.hasOwn(outputs, "default") ? outputs.default : undefined;
  return typeof fallback === "string" ? fallback : undefined;
}

/** From a node's step, through every node that needs nobody, to the next instruction. */
function walk(flow: FlowDefinition, state: FlowState, from: FlowNode, first: Step, ctx: FlowContext): Turn {
  const nodes = nodesOf(flow);
  let node = from;
  let step = first;
  for (;;) {
    const nextId = "goto" in step ? step.goto : pickOutput(node, step.output);
    // An unmapped output with no default ends the call; for a failing node that is a flow error.
    if (nextId === undefined) {
      const threw = "output" in step && step.threw === true;
      return finish(state, threw ? { flowOutcome: "error", hangupReason: "flow_error", failureReason: null } : { flowOutcome: "completed", hangupReason: "flow_completed", failureReason: null });
    }
    const next = nodes.get(nextId);
    if (!next) return finish(state, { flowOutcome: "error", hangupReason: "invalid_flow", failureReason: "invalid_flow" });
    if (state.steps >= MAX_FLOW_STEPS) return finish(state, { flowOutcome: "error", hangupReason: "flow_step_limit", failureReason: "flow_step_limit" });
    state.steps += 1;
    state.path.push(next.id);
    node = next;

    switch (node.type) {
      case "hangup": {
        const reason = node.config.reason;
        return finish(state, { flowOutcome: "hungUp", hangupReason: typeof reason === "string" && reason.length > 0 ? reason : "hangup_node", failureReason: null });
      }
      case "condition":
      case "set_variable":
        step = runLocal(node, state, ctx);
        continue;
      case "dial":
        // A flow dials once: a path back to the dial node fails into onError.
        step = { output: "onError", threw: true };
        continue;
      case "opt_out":
        state.at = node.id;
        return { state, instruction: { kind: "opt_out", nodeId: node.id } };
      default:
        // Media needs an answered call (and a play node its items).
        if (state.answeredBy === null || (node.type === "play" && !Array.isArray(node.config.audioItems))) {
          step = { output: "onError", threw: true };
          continue;
        }
        state.at = node.id;
        return { state, instruction: instructionFor(node) };
    }
  }
}

function runLocal(node: Extract<FlowNode, { type: "condition" | "set_variable" }>, state: FlowState, ctx: FlowContext): Step {
  const values: ValueContext = { ...ctx, variables: state.variables, answeredBy: state.answeredBy };
  try {
    if (node.type === "set_variable") {
      const { variableName } = node.config;
      if (typeof variableName !== "string" || variableName.length === 0) throw new Error("set_variable node without variableName");
      setVariable(state, variableName, resolveValue(node.config.value, values));
      return { output: "onSuccess" };
    }
    const conditions: unknown = node.config.conditions;
    if (!Array.isArray(conditions) || conditions.length === 0) throw new Error("condition node without conditions");
    const results = conditions.map((c: { left: unknown; operator: unknown; right: unknown }) => {
      if (typeof c !== "object" || c === null) throw new Error("malformed condition");
      if (!(CONDITION_OPERATORS as readonly unknown[]).includes(c.operator)) throw new Error(`unknown operator ${String(c.operator)}`);
      return compareValues(c.operator as ConditionOperator, resolveValue(c.left, values), resolveValue(c.right, values));
    });
    const pass = node.config.logic === "OR" ? results.some(Boolean) : results.every(Boolean);
    return { output: pass ? "onTrue" : "onFalse" };
  } catch {
    return { output: "onError", threw: true };
  }
}

function instructionFor(node: FlowNode): Instruction {
  switch (node.type) {
    case "dial":
      return {
        kind: "dial",
        nodeId: node.id,
        timeoutMs: positive(node.config.timeout, DIAL_DEFAULTS.timeout),
        enableAMD: typeof node.config.enableAMD === "boolean" ? node.config.enableAMD : DIAL_DEFAULTS.enableAMD,
      };
    case "play":
      return { kind: "play", nodeId: node.id, items: node.config.audioItems };
    case "dtmf":
      return {
        kind: "gather",
        nodeId: node.id,
        mode: node.config.mode === "multi_digit" ? "multi_digit" : DTMF_DEFAULTS.mode,
        timeoutMs: nonNegative(node.config.timeoutMs, DTMF_DEFAULTS.timeoutMs),
        validDigits: [...branchesOf(node).keys()].sort((a, b) => digitRank(a) - digitRank(b)),
      };
    case "record":
      return { kind: "record", nodeId: node.id, maxDurationMs: positive(node.config.maxDurationMs, RECORD_DEFAULTS.maxDurationMs) };
    default:
      throw new Error(`no instruction for a ${node.type} node`);
  }
}

/** Stores a flow variable as a plain own property (also for names like __proto__). Empty names store nothing. */
function setVariable(state: FlowState, name: unknown, value: unknown): void {
  if (typeof name !== "string" || name.length === 0) return;
  Object.defineProperty(state.variables, name, { value, enumerable: true, writable: true, configurable: true });
}

function finish(state: FlowState, end: FlowEnd): Turn {
  state.at = null;
  state.end = end;
  return { state, instruction: { kind: "end", end } };
}
