// Flow graph shapes of CONTRACT.md §3. Stored as JSON on a flow version.

export const NODE_TYPES = ["dial", "play", "dtmf", "record", "condition", "set_variable", "hangup"] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** The outputs each node type may fire, besides `default` (every type but hangup) and dtmf `branches`. */
export const NODE_OUTPUTS: Record<NodeType, readonly string[]> = {
  dial: ["onAnswer", "onVoicemail", "onNoAnswer", "onBusy", "onRejected", "onError"],
  play: ["onComplete", "onError"],
  dtmf: ["onSuccess", "onTimeout", "onInvalid", "onMaxRetries", "onError"],
  record: ["onComplete", "onTimeout", "onError"],
  condition: ["onTrue", "onFalse", "onError"],
  set_variable: ["onSuccess", "onError"],
  hangup: [],
};

export interface FlowNode {
  id: string;
  type: NodeType;
  label?: string | null;
  config: Record<string, unknown>;
  /** output name → node id */
  outputs: Record<string, string>;
}

export interface FlowDefinition {
  startNodeId: string;
  nodes: FlowNode[];
}

export type Literal = string | number | boolean | null;
export type ValueSource =
  | { source: "variable"; variableName: string }
  | { source: "customAttribute"; attributeName: string }
  | { source: "contactField"; field: "phone" | "firstName" | "lastName" | "email" }
  | { source: "system"; name: SystemValueName };
export type Value = Literal | ValueSource;

export const SYSTEM_VALUE_NAMES = [
  "sys.callId",
  "sys.contactId",
  "sys.contactPhone",
  "sys.programId",
  "sys.executionId",
  "sys.attemptNumber",
  "sys.answeredBy",
] as const;
export type SystemValueName = (typeof SYSTEM_VALUE_NAMES)[number];

export const CONDITION_OPERATORS = ["eq", "neq", "gt", "lt", "gte", "lte", "contains", "startsWith", "endsWith"] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** Hard bound on node steps in one call (CONTRACT.md §3). */
export const MAX_FLOW_STEPS = 1000;
