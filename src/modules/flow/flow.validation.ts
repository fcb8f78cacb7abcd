// Shape and graph checks of a flow definition (CONTRACT.md §3). Everything wrong is collected and thrown as one
// ValidationError, so a person fixing a flow sees every problem at once instead of one per request.

import { type FieldProblem, ValidationError } from "../../shared/errors";
import {
  CONDITION_OPERATORS,
  CONTACT_FIELDS,
  DTMF_DIGITS,
  type FlowDefinition,
  type FlowNode,
  NODE_OUTPUTS,
  NODE_TYPES,
  type NodeType,
  SYSTEM_VALUE_NAMES,
  VALUE_SOURCES,
} from "./flow.types";

type Problems = FieldProblem[];
type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim().length > 0;
}

function isNonNegativeInt(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/** `a.b` for identifier-like keys, `a["*"]` otherwise, so paths of digit and symbol keys stay unambiguous. */
export function keyPath(base: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

function quoteList(values: readonly string[]): string {
  return values.join(", ");
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value === "object" ? "an object" : String(value);
}

/** Checks a `Value` (literal or value source) of CONTRACT.md §3; `field` is the path of the value itself. */
export function checkValue(value: unknown, field: string, problems: Problems): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) problems.push({ field, message: "must be a finite number" });
    return;
  }
  if (!isPlainObject(value)) {
    problems.push({
      field,
      message: "must be a literal (string, number, boolean or null) or a value source object",
    });
    return;
  }
  const source = value.source;
  switch (source) {
    case "variable":
      if (!isNonEmptyString(value.variableName))
        problems.push({ field: `${field}.variableName`, message: "must be a non-empty string" });
      return;
    case "customAttribute":
      if (!isNonEmptyString(value.attributeName))
        problems.push({ field: `${field}.attributeName`, message: "must be a non-empty string" });
      return;
    case "contactField":
      if (typeof value.field !== "string" || !(CONTACT_FIELDS as readonly string[]).includes(value.field))
        problems.push({
          field: `${field}.field`,
          message: `unknown contact field ${describe(value.field)} (expected one of ${quoteList(CONTACT_FIELDS)})`,
        });
      return;
    case "system":
      if (typeof value.name !== "string" || !(SYSTEM_VALUE_NAMES as readonly string[]).includes(value.name))
        problems.push({
          field: `${field}.name`,
          message: `unknown system value ${describe(value.name)} (expected one of ${quoteList(SYSTEM_VALUE_NAMES)})`,
        });
      return;
    default:
      problems.push({
        field: `${field}.source`,
        message: `unknown value source ${describe(source)} (expected one of ${quoteList(VALUE_SOURCES)})`,
      });
  }
}

// Optional config fields are type-checked only when present: the interpreter has a default for each of them.
function optional(config: JsonObject, key: string): boolean {
  return config[key] !== undefined;
}

function checkVariableName(config: JsonObject, base: string, problems: Problems, required: boolean): void {
  if (!required && !optional(config, "variableName")) return;
  if (!isNonEmptyString(config.variableName))
    problems.push({ field: `${base}.variableName`, message: "must be a non-empty string" });
}

function checkDialConfig(config: JsonObject, base: string, problems: Problems): void {
  if (optional(config, "timeout")) {
    const t = config.timeout;
    if (typeof t !== "number" || !Number.isFinite(t) || t <= 0)
      problems.push({ field: `${base}.timeout`, message: "must be a positive number of milliseconds" });
  }
  if (optional(config, "enableAMD") && typeof config.enableAMD !== "boolean")
    problems.push({ field: `${base}.enableAMD`, message: "must be a boolean" });
}

function checkPlayConfig(config: JsonObject, base: string, problems: Problems): void {
  const items = config.audioItems;
  if (!Array.isArray(items)) {
    problems.push({ field: `${base}.audioItems`, message: "must be an array of audio items" });
    return;
  }
  items.forEach((item: unknown, j) => {
    const at = `${base}.audioItems[${j}]`;
    if (!isPlainObject(item)) {
      problems.push({ field: at, message: 'must be an object { type: "tts", text } or { type: "audioFile", audioId }' });
      return;
    }
    if (item.type === "tts") {
      if (!isNonEmptyString(item.text)) problems.push({ field: `${at}.text`, message: "must be a non-empty string" });
    } else if (item.type === "audioFile") {
      if (!isNonEmptyString(item.audioId))
        problems.push({ field: `${at}.audioId`, message: "must be a non-empty string" });
    } else if (item.type === "audioUrl") {
      if (typeof item.url !== "string" || !/^https?:\/\/\S+$/.test(item.url))
        problems.push({ field: `${at}.url`, message: "must be an http(s) URL" });
    } else {
      problems.push({ field: `${at}.type`, message: `must be "tts", "audioFile" or "audioUrl" (got ${describe(item.type)})` });
    }
  });
}

function checkDtmfConfig(config: JsonObject, base: string, problems: Problems): void {
  if (optional(config, "mode") && config.mode !== "single_digit" && config.mode !== "multi_digit")
    problems.push({
      field: `${base}.mode`,
      message: `must be "single_digit" or "multi_digit" (got ${describe(config.mode)})`,
    });
  if (optional(config, "branches")) {
    const branches = config.branches;
    if (!isPlainObject(branches)) {
      problems.push({ field: `${base}.branches`, message: "must be an object mapping digits to node ids" });
    } else {
      for (const [digit, target] of Object.entries(branches)) {
        const at = keyPath(`${base}.branches`, digit);
        if (!(DTMF_DIGITS as readonly string[]).includes(digit))
          problems.push({ field: at, message: `${JSON.stringify(digit)} is not a single digit (0-9, * or #)` });
        if (!isNonEmptyString(target)) problems.push({ field: at, message: "must be a node id (non-empty string)" });
      }
    }
  }
  if (optional(config, "timeoutMs") && !isNonNegativeInt(config.timeoutMs))
    problems.push({ field: `${base}.timeoutMs`, message: "must be a non-negative integer (milliseconds)" });
  if (optional(config, "maxRetries") && !isNonNegativeInt(config.maxRetries))
    problems.push({ field: `${base}.maxRetries`, message: "must be a non-negative integer" });
  checkVariableName(config, base, problems, false);
}

function checkRecordConfig(config: JsonObject, base: string, problems: Problems): void {
  checkVariableName(config, base, problems, false);
  if (optional(config, "maxDurationMs")) {
    const m = config.maxDurationMs;
    if (typeof m !== "number" || !Number.isInteger(m) || m <= 0)
      problems.push({ field: `${base}.maxDurationMs`, message: "must be a positive integer (milliseconds)" });
  }
}

function checkConditionConfig(config: JsonObject, base: string, problems: Problems): void {
  if (optional(config, "logic") && config.logic !== "AND" && config.logic !== "OR")
    problems.push({ field: `${base}.logic`, message: `must be "AND" or "OR" (got ${describe(config.logic)})` });
  const conditions = config.conditions;
  if (!Array.isArray(conditions) || conditions.length === 0) {
    problems.push({ field: `${base}.conditions`, message: "must be a non-empty array of { left, operator, right }" });
    return;
  }
  conditions.forEach((condition: unknown, j) => {
    const at = `${base}.conditions[${j}]`;
    if (!isPlainObject(condition)) {
      problems.push({ field: at, message: "must be an object { left, operator, right }" });
      return;
    }
    const op = condition.operator;
    if (typeof op !== "string" || !(CONDITION_OPERATORS as readonly string[]).includes(op))
      problems.push({
        field: `${at}.operator`,
        message: `unknown operator ${describe(op)} (expected one of ${quoteList(CONDITION_OPERATORS)})`,
      });
    for (const side of ["left", "right"] as const) {
      if (!(side in condition) || condition[side] === undefined)
        problems.push({ field: `${at}.${side}`, message: "is required (a literal or a value source)" });
      else checkValue(condition[side], `${at}.${side}`, problems);
    }
  });
}

function checkSetVariableConfig(config: JsonObject, base: string, problems: Problems): void {
  checkVariableName(config, base, problems, true);
  if (!("value" in config) || config.value === undefined)
    problems.push({ field: `${base}.value`, message: "is required (a literal or a value source)" });
  else checkValue(config.value, `${base}.value`, problems);
}

function checkHangupConfig(config: JsonObject, base: string, problems: Problems): void {
  for (const key of ["reason", "hangupType"]) {
    if (optional(config, key) && config[key] !== null && typeof config[key] !== "string")
      problems.push({ field: `${base}.${key}`, message: "must be a string" });
  }
}

const CONFIG_CHECKS: Record<NodeType, (config: JsonObject, base: string, problems: Problems) => void> = {
  dial: checkDialConfig,
  play: checkPlayConfig,
  dtmf: checkDtmfConfig,
  record: checkRecordConfig,
  condition: checkConditionConfig,
  set_variable: checkSetVariableConfig,
  opt_out: () => {},
  hangup: checkHangupConfig,
};

/** One outgoing edge, with the path to report it under. */
interface Edge {
  field: string;
  target: string;
}

interface CheckedNode {
  index: number;
  id: string | null;
  type: NodeType | null;
  edges: Edge[];
  node: FlowNode | null;
}

function checkNode(raw: unknown, index: number, problems: Problems): CheckedNode {
  const base = `nodes[${index}]`;
  const result: CheckedNode = { index, id: null, type: null, edges: [], node: null };
  if (!isPlainObject(raw)) {
    problems.push({ field: base, message: "must be an object { id, type, config, outputs }" });
    return result;
  }

  if (isNonEmptyString(raw.id)) result.id = raw.id;
  else problems.push({ field: `${base}.id`, message: "must be a non-empty string" });

  if (typeof raw.type === "string" && (NODE_TYPES as readonly string[]).includes(raw.type)) {
    result.type = raw.type as NodeType;
  } else {
    problems.push({
      field: `${base}.type`,
      message:
        typeof raw.type === "string"
          ? `unknown node type ${JSON.stringify(raw.type)} (expected one of ${quoteList(NODE_TYPES)})`
          : `must be one of ${quoteList(NODE_TYPES)}`,
    });
  }

  if (raw.label !== undefined && raw.label !== null && typeof raw.label !== "string")
    problems.push({ field: `${base}.label`, message: "must be a string or null" });

  const config = raw.config;
  const configOk = isPlainObject(config);
  if (!configOk) problems.push({ field: `${base}.config`, message: "must be an object" });
  else if (result.type) CONFIG_CHECKS[result.type](config, `${base}.config`, problems);

  const outputs = raw.outputs;
  const outputsOk = isPlainObject(outputs);
  if (!outputsOk) {
    problems.push({ field: `${base}.outputs`, message: "must be an object mapping output names to node ids" });
  } else if (result.type === "hangup") {
    const names = Object.keys(outputs);
    if (names.length > 0)
      problems.push({
        field: `${base}.outputs`,
        message: `a hangup node has no outputs (found ${names.map((n) => JSON.stringify(n)).join(", ")})`,
      });
  } else {
    const allowed: string[] | null = result.type ? [...NODE_OUTPUTS[result.type], "default"] : null;
    for (const [name, target] of Object.entries(outputs)) {
      const at = keyPath(`${base}.outputs`, name);
      if (allowed && !allowed.includes(name)) {
        problems.push({
          field: at,
          message: `unknown output ${JSON.stringify(name)} for a ${result.type} node (allowed: ${quoteList(allowed)})`,
        });
        continue;
      }
      if (!isNonEmptyString(target)) {
        problems.push({ field: at, message: "must be a node id (non-empty string)" });
        continue;
      }
      result.edges.push({ field: at, target });
    }
  }

  if (result.type === "dtmf" && configOk && isPlainObject(config.branches)) {
    for (const [digit, target] of Object.entries(config.branches)) {
      if (isNonEmptyString(target)) result.edges.push({ field: keyPath(`${base}.config.branches`, digit), target });
    }
  }

  if (result.id !== null && result.type !== null && configOk && outputsOk) {
    result.node = {
      id: result.id,
      type: result.type,
      ...(raw.label !== undefined ? { label: raw.label as string | null } : {}),
      config: { ...config },
      outputs: { ...(outputs as Record<string, string>) },
    } as FlowNode;
  }
  return result;
}

// Graph problems are found after shape problems; list them node by node so a person can fix one node at a time.
function sortByNode(problems: Problems): Problems {
  const nodeIndex = (field: string): number => {
    const m = /^nodes\[(\d+)\]/.exec(field);
    return m ? Number(m[1]) : -1;
  };
  return problems
    .map((problem, order) => ({ problem, order, index: nodeIndex(problem.field) }))
    .sort((a, b) => a.index - b.index || a.order - b.order)
    .map((entry) => entry.problem);
}

/**
 * Validates a flow (shape of every node, then the graph rules of CONTRACT.md §3) and returns it typed.
 * Throws one ValidationError listing every problem, with paths relative to the flow input.
 */
export function validateFlowDefinition(input: { startNodeId: unknown; nodes: unknown }): FlowDefinition {
  const problems: Problems = [];
  const startNodeId = input.startNodeId;
  const startOk = isNonEmptyString(startNodeId);
  if (!startOk) problems.push({ field: "startNodeId", message: "must be a non-empty string" });

  if (!Array.isArray(input.nodes)) {
    problems.push({ field: "nodes", message: "must be an array of nodes" });
    throw new ValidationError(problems);
  }
  if (input.nodes.length === 0) {
    problems.push({ field: "nodes", message: "must contain at least one node (the dial node to start from)" });
    throw new ValidationError(problems);
  }

  const checked = input.nodes.map((raw: unknown, i) => checkNode(raw, i, problems));

  // First occurrence wins; later duplicates are reported and left out of the graph.
  const byId = new Map<string, CheckedNode>();
  for (const c of checked) {
    if (c.id === null) continue;
    const first = byId.get(c.id);
    if (first) {
      problems.push({
        field: `nodes[${c.index}].id`,
        message: `duplicate node id ${JSON.stringify(c.id)} (already used by nodes[${first.index}])`,
      });
      continue;
    }
    byId.set(c.id, c);
  }

  const dials = checked.filter((c) => c.type === "dial");
  if (dials.length === 0) {
    problems.push({ field: "nodes", message: "a flow needs exactly one dial node (its start node); found none" });
  } else {
    for (const extra of dials.slice(1)) {
      const which = extra.id === null ? "this" : JSON.stringify(extra.id);
      problems.push({
        field: `nodes[${extra.index}].type`,
        message: `a flow has exactly one dial node; ${which} is a second one (the first is nodes[${dials[0].index}])`,
      });
    }
  }

  let start: CheckedNode | undefined;
  if (startOk) {
    start = byId.get(startNodeId);
    if (!start) problems.push({ field: "startNodeId", message: `no node has id ${JSON.stringify(startNodeId)}` });
    else if (start.type !== null && start.type !== "dial")
      problems.push({
        field: "startNodeId",
        message:
          `start node ${JSON.stringify(startNodeId)} is a ${start.type} node; ` +
          "the start node must be the flow's dial node",
      });
  }

  for (const c of byId.values()) {
    for (const edge of c.edges) {
      if (!byId.has(edge.target))
        problems.push({ field: edge.field, message: `points at missing node ${JSON.stringify(edge.target)}` });
    }
  }

  // Reachability only means something once the start node is known; otherwise every node would be flagged.
  if (start) {
    const seen = new Set<string>([start.id as string]);
    const queue: CheckedNode[] = [start];
    for (let head = 0; head < queue.length; head++) {
      const c = queue[head];
      for (const edge of c.edges) {
        const next = byId.get(edge.target);
        if (next && !seen.has(edge.target)) {
          seen.add(edge.target);
          queue.push(next);
        }
      }
    }
    for (const c of byId.values()) {
      if (!seen.has(c.id as string))
        problems.push({
          field: `nodes[${c.index}]`,
          message: `node ${JSON.stringify(c.id)} is unreachable from the start node`,
        });
    }
  }

  if (problems.length > 0) throw new ValidationError(sortByNode(problems));
  return { startNodeId: startNodeId as string, nodes: checked.map((c) => c.node as FlowNode) };
}
