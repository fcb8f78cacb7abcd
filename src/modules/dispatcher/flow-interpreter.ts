// Runs one call attempt: walks a (validated) flow node by node through a telephony provider and reports what
// happened (CONTRACT.md §3 Flow and CallAttempt). It never throws for anything the call or the flow does; every
// ending, abort included, becomes an AttemptResult the dispatcher can record.

import type { Clock } from "../../shared/clock";
import {
  CONDITION_OPERATORS,
  type ConditionOperator,
  CONTACT_FIELDS,
  DTMF_DIGITS,
  type FlowDefinition,
  MAX_FLOW_STEPS,
} from "../flow/flow.types";
import type { CallOutcome, FlowOutcome } from "../telephony/call-outcome";
import {
  type AudioItem,
  type CallEvent,
  type CallSession,
  type DialResult,
  type TelephonyProvider,
  type UnansweredOutcome,
} from "../telephony/telephony.provider";

export interface CallContact {
  id: string;
  phone: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  customAttributes: Record<string, unknown>;
}

export interface RunCallFlowParams {
  provider: TelephonyProvider;
  flow: FlowDefinition;
  contact: CallContact;
  callId: string;
  programId: string;
  executionId: string;
  attemptNumber: number;
  /**
   * Aborting stops the walk and hangs up at once. Give each call its own signal (e.g. a child of a shutdown
   * signal): providers listen on it while they wait, and adding listeners to one signal shared by thousands of
   * calls gets slower with each one.
   */
  signal: AbortSignal;
  clock: Clock;
  /** Passed through to the provider, e.g. to learn early that a call was answered. */
  onEvent?: (event: CallEvent) => void;
}

export interface AttemptResult {
  outcome: CallOutcome;
  failureReason: string | null;
  flowOutcome: FlowOutcome | null;
  answeredAt: Date | null;
  endedAt: Date;
  path: string[];
  variables: Record<string, unknown>;
}

/** Config defaults. Dial's come from the contract; the others are ours (the contract is silent). */
export const DIAL_DEFAULTS = { timeout: 30_000, enableAMD: true } as const;
export const DTMF_DEFAULTS = { mode: "single_digit", timeoutMs: 5_000, maxRetries: 3 } as const;
export const RECORD_DEFAULTS = { maxDurationMs: 60_000 } as const;

const OUTPUT_BY_UNANSWERED: Record<UnansweredOutcome, string> = {
  noAnswer: "onNoAnswer",
  busy: "onBusy",
  rejected: "onRejected",
  failed: "onError",
};

/** Everything a value source can read. */
export interface ValueContext {
  variables: ReadonlyMap<string, unknown>;
  contact: CallContact;
  callId: string;
  programId: string;
  executionId: string;
  attemptNumber: number;
  answeredBy: "human" | "machine" | null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Own properties only, so names like "constructor" or "__proto__" never read the prototype chain.
function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Resolves a literal or a value source; unknown variables and attributes read as null. Throws on a bad source. */
export function resolveValue(value: unknown, ctx: ValueContext): unknown {
  if (!isObject(value)) {
    if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      return value;
    throw new Error(`not a value: ${JSON.stringify(value)}`);
  }
  switch (value.source) {
    case "variable": {
      const name = String(value.variableName);
      return ctx.variables.has(name) ? (ctx.variables.get(name) ?? null) : null;
    }
    case "customAttribute":
      return own(ctx.contact.customAttributes, String(value.attributeName)) ?? null;
    case "contactField": {
      const field = value.field;
      if (typeof field !== "string" || !(CONTACT_FIELDS as readonly string[]).includes(field))
        throw new Error(`unknown contact field ${JSON.stringify(field)}`);
      return (ctx.contact as unknown as Record<string, unknown>)[field] ?? null;
    }
    case "system":
      switch (value.name) {
        case "sys.callId":
          return ctx.callId;
        case "sys.contactId":
          return ctx.contact.id;
        case "sys.contactPhone":
          return ctx.contact.phone;
        case "sys.programId":
          return ctx.programId;
        case "sys.executionId":
          return ctx.executionId;
        case "sys.attemptNumber":
          return ctx.attemptNumber;
        case "sys.answeredBy":
          return ctx.answeredBy;
        default:
          throw new Error(`unknown system value ${JSON.stringify(value.name)}`);
      }
    default:
      throw new Error(`unknown value source ${JSON.stringify(value.source)}`);
  }
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** A number, or a string that reads as a decimal number (DTMF digits and attributes often arrive as strings). */
function asNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && DECIMAL.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

function isEqual(left: unknown, right: unknown): boolean {
  if (left == null || right == null) return left == null && right == null;
  const l = asNumber(left);
  const r = asNumber(right);
  if (l !== null && r !== null) return l === r;
  return asText(left) === asText(right);
}

/**
 * One comparison: numerically when both sides read as numbers, as strings otherwise (case-sensitive).
 * null equals only null, and any ordering or text test with a null side is false.
 */
export function compareValues(operator: ConditionOperator, left: unknown, right: unknown): boolean {
  if (operator === "eq") return isEqual(left, right);
  if (operator === "neq") return !isEqual(left, right);
  if (left == null || right == null) return false;
  const l = asNumber(left);
  const r = asNumber(right);
  const numeric = l !== null && r !== null;
  const ls = asText(left);
  const rs = asText(right);
  switch (operator) {
    case "gt":
      return numeric ? (l as number) > (r as number) : ls > rs;
    case "lt":
      return numeric ? (l as number) < (r as number) : ls < rs;
    case "gte":
      return numeric ? (l as number) >= (r as number) : ls >= rs;
    case "lte":
      return numeric ? (l as number) <= (r as number) : ls <= rs;
    case "contains":
      return ls.includes(rs);
    case "startsWith":
      return ls.startsWith(rs);
    case "endsWith":
      return ls.endsWith(rs);
  }
}

function digitRank(digit: string): number {
  const i = (DTMF_DIGITS as readonly string[]).indexOf(digit);
  return i >= 0 ? i : DTMF_DIGITS.length;
}

/** A node as the walk reads it: config and outputs as plain records (the walk checks what it reads). */
type LooseNode = { id: string; type: string; config: Record<string, any>; outputs: Record<string, string> };

// Index of a flow's nodes, built once per flow object: a dispatcher runs the same pinned flow for many calls.
// Config and outputs default to {} so an unvalidated flow fails into flow errors instead of crashing the walk.
const nodeIndexes = new WeakMap<FlowDefinition, Map<string, LooseNode>>();

function indexNodes(flow: FlowDefinition): Map<string, LooseNode> {
  let index = nodeIndexes.get(flow);
  if (!index) {
    index = new Map();
    for (const node of (Array.isArray(flow.nodes) ? flow.nodes : []) as unknown[] as LooseNode[]) {
      if (!isObject(node) || typeof node.id !== "string" || index.has(node.id)) continue;
      index.set(node.id, {
        ...node,
        config: isObject(node.config) ? node.config : {},
        outputs: isObject(node.outputs) ? node.outputs : {},
      });
    }
    nodeIndexes.set(flow, index);
  }
  return index;
}

/** What a node did: fire a named output, or jump straight to a node (dtmf branch). */
type Step = { output: string } | { goto: string };

class FlowRun {
  private readonly nodes: Map<string, LooseNode>;
  private readonly variables = new Map<string, unknown>();
  private readonly invalidPresses = new Map<string, number>();
  private readonly path: string[] = [];
  private session: CallSession | null = null;
  private dial: DialResult | null = null;
  private outcome: CallOutcome = "failed";
  private failureReason: string | null = null;
  private answeredAt: Date | null = null;

  constructor(private readonly p: RunCallFlowParams) {
    this.nodes = indexNodes(p.flow);
  }

  async run(): Promise<AttemptResult> {
    const { signal } = this.p;
    let flowEnd: FlowOutcome = "completed";
    let hangupReason = "flow_completed";
    let current = this.nodes.get(this.p.flow.startNodeId);
    if (!current || current.type !== "dial") {
      // Validation prevents this; without a dial node there is no call to make.
      this.failureReason = "invalid_flow";
      current = undefined;
    }

    let steps = 0;
    while (current) {
      if (signal.aborted) {
        [flowEnd, hangupReason] = this.markAborted();
        break;
      }
      if (steps >= MAX_FLOW_STEPS) {
        flowEnd = "error";
        hangupReason = this.failureReason = "flow_step_limit";
        break;
      }
      steps += 1;
      this.path.push(current.id);

      if (current.type === "hangup") {
        flowEnd = "hungUp";
        const reason = current.config.reason;
        hangupReason = typeof reason === "string" && reason.length > 0 ? reason : "hangup_node";
        break;
      }

      let step: Step;
      let threw = false;
      try {
        step = await this.execute(current);
      } catch {
        if (signal.aborted) {
          [flowEnd, hangupReason] = this.markAborted();
          break;
        }
        threw = true;
        step = { output: "onError" };
      }

      const nextId = "goto" in step ? step.goto : this.pickOutput(current, step.output);
      if (nextId === undefined) {
        // Unmapped output with no default ends the call; for a failing node that is a flow error.
        if (threw) {
          flowEnd = "error";
          hangupReason = "flow_error";
        }
        break;
      }
      current = this.nodes.get(nextId);
      if (!current) {
        flowEnd = "error";
        hangupReason = this.failureReason = "invalid_flow";
      }
    }

    let endedAt: Date;
    if (this.session) {
      try {
        endedAt = (await this.session.hangup(hangupReason)).endedAt;
      } catch {
        endedAt = this.p.clock.now();
      }
    } else {
      endedAt = this.p.clock.now();
    }

    return {
      outcome: this.outcome,
      failureReason: this.failureReason,
      flowOutcome: this.dial?.answered ? flowEnd : null,
      answeredAt: this.answeredAt,
      endedAt,
      path: this.path,
      variables: Object.fromEntries(this.variables),
    };
  }

  private markAborted(): [FlowOutcome, string] {
    this.failureReason = "aborted";
    return ["error", "aborted"];
  }

  private pickOutput(node: LooseNode, output: string): string | undefined {
    const named = own(node.outputs, output);
    if (typeof named === "string") return named;
    const fallback = own(node.outputs, "default");
    return typeof fallback === "string" ? fallback : undefined;
  }

  private answeredSession(): CallSession {
    if (!this.session || !this.dial?.answered) throw new Error("the call was not answered");
    return this.session;
  }

  private valueContext(): ValueContext {
    return {
      variables: this.variables,
      contact: this.p.contact,
      callId: this.p.callId,
      programId: this.p.programId,
      executionId: this.p.executionId,
      attemptNumber: this.p.attemptNumber,
      answeredBy: this.dial?.answered ? this.dial.answeredBy : null,
    };
  }

  private execute(node: LooseNode): Promise<Step> | Step {
    switch (node.type) {
      case "dial":
        return this.executeDial(node);
      case "play":
        return this.executePlay(node);
      case "dtmf":
        return this.executeDtmf(node);
      case "record":
        return this.executeRecord(node);
      case "condition":
        return this.executeCondition(node);
      case "set_variable":
        return this.executeSetVariable(node);
      default:
        throw new Error(`unknown node type ${JSON.stringify(node.type)}`);
    }
  }

  private async executeDial(node: LooseNode): Promise<Step> {
    if (this.dial) throw new Error("the call is already placed; a flow dials once");
    const { config } = node;
    const timeout =
      typeof config.timeout === "number" && Number.isFinite(config.timeout) && config.timeout > 0
        ? config.timeout
        : DIAL_DEFAULTS.timeout;
    const enableAMD = typeof config.enableAMD === "boolean" ? config.enableAMD : DIAL_DEFAULTS.enableAMD;
    const { signal } = this.p;
    let session: CallSession;
    try {
      session = await this.p.provider.placeCall({
        callId: this.p.callId,
        to: this.p.contact.phone,
        attemptNumber: this.p.attemptNumber,
        timeoutMs: timeout,
        enableAMD,
        signal,
        ...(this.p.onEvent ? { onEvent: this.p.onEvent } : {}),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      this.dial = { answered: false, outcome: "failed", failureReason: "provider_error" };
      this.outcome = "failed";
      this.failureReason = "provider_error";
      return { output: "onError" };
    }
    this.session = session;
    this.dial = session.dial;
    if (session.dial.answered) {
      this.answeredAt = session.answeredAt;
      const human = session.dial.answeredBy === "human";
      this.outcome = human ? "completed" : "voicemail";
      return { output: human ? "onAnswer" : "onVoicemail" };
    }
    this.outcome = session.dial.outcome;
    this.failureReason = session.dial.failureReason;
    return { output: OUTPUT_BY_UNANSWERED[session.dial.outcome] };
  }

  private async executePlay(node: LooseNode): Promise<Step> {
    const session = this.answeredSession();
    const items = node.config.audioItems;
    if (!Array.isArray(items)) throw new Error("play node without audioItems");
    await session.play(items as AudioItem[]);
    return { output: "onComplete" };
  }

  private async executeDtmf(node: LooseNode): Promise<Step> {
    const session = this.answeredSession();
    const { config } = node;
    const branches = new Map<string, string>();
    if (isObject(config.branches)) {
      for (const [digit, target] of Object.entries(config.branches))
        if (typeof target === "string") branches.set(digit, target);
    }
    const validDigits = [...branches.keys()].sort((a, b) => digitRank(a) - digitRank(b));
    const mode = config.mode === "multi_digit" ? "multi_digit" : DTMF_DEFAULTS.mode;
    const timeoutMs =
      typeof config.timeoutMs === "number" && config.timeoutMs >= 0 ? config.timeoutMs : DTMF_DEFAULTS.timeoutMs;
    const maxRetries =
      typeof config.maxRetries === "number" && config.maxRetries >= 0 ? config.maxRetries : DTMF_DEFAULTS.maxRetries;

    const digits = await session.collectDigits({ mode, timeoutMs, validDigits });
    if (digits === null || digits === "") return { output: "onTimeout" };
    if (typeof config.variableName === "string" && config.variableName.length > 0)
      this.variables.set(config.variableName, digits);
    // Without branches the node just collects input; with branches it is a menu.
    if (branches.size === 0) return { output: "onSuccess" };
    const target = branches.get(digits);
    if (target !== undefined) return { goto: target };
    // Invalid presses count per node across the call, so a re-prompt loop through onInvalid stays bounded.
    const invalid = (this.invalidPresses.get(node.id) ?? 0) + 1;
    this.invalidPresses.set(node.id, invalid);
    return { output: invalid <= maxRetries ? "onInvalid" : "onMaxRetries" };
  }

  private async executeRecord(node: LooseNode): Promise<Step> {
    const session = this.answeredSession();
    const { config } = node;
    const maxDurationMs =
      typeof config.maxDurationMs === "number" && config.maxDurationMs > 0
        ? config.maxDurationMs
        : RECORD_DEFAULTS.maxDurationMs;
    const recording = await session.record({ maxDurationMs });
    if (typeof config.variableName === "string" && config.variableName.length > 0)
      this.variables.set(config.variableName, recording.recordingId);
    // Cut off at the maximum length: the caller was still talking.
    return { output: recording.durationMs >= maxDurationMs ? "onTimeout" : "onComplete" };
  }

  private executeCondition(node: LooseNode): Step {
    const { config } = node;
    const conditions = config.conditions;
    if (!Array.isArray(conditions) || conditions.length === 0) throw new Error("condition node without conditions");
    const ctx = this.valueContext();
    const results = conditions.map((condition: unknown) => {
      if (!isObject(condition)) throw new Error("malformed condition");
      const operator = condition.operator;
      if (typeof operator !== "string" || !(CONDITION_OPERATORS as readonly string[]).includes(operator))
        throw new Error(`unknown operator ${JSON.stringify(operator)}`);
      return compareValues(
        operator as ConditionOperator,
        resolveValue(condition.left, ctx),
        resolveValue(condition.right, ctx),
      );
    });
    const pass = config.logic === "OR" ? results.some(Boolean) : results.every(Boolean);
    return { output: pass ? "onTrue" : "onFalse" };
  }

  private executeSetVariable(node: LooseNode): Step {
    const { config } = node;
    if (typeof config.variableName !== "string" || config.variableName.length === 0)
      throw new Error("set_variable node without variableName");
    this.variables.set(config.variableName, resolveValue(config.value, this.valueContext()));
    return { output: "onSuccess" };
  }
}

/**
 * Places one call and walks its flow from the dial node. `outcome` is the dial's (a person's answer is
 * `completed`, a machine's `voicemail`); `flowOutcome` says how the flow ended and is null when nobody answered.
 * The call is always hung up before this resolves; an abort stops the walk and hangs up at once
 * (`failureReason` "aborted").
 */
export function runCallFlow(params: RunCallFlowParams): Promise<AttemptResult> {
  return new FlowRun(params).run();
}
