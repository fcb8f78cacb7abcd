// Flow graph shapes (type aliases, not interfaces, so configs stay assignable to plain JSON records). Stored as JSON on a flow version. A validated flow is a FlowDefinition whose nodes are a
// union discriminated by `type`, so code that walks a flow reads each node's config with its own type.

export const NODE_TYPES = ["dial", "play", "dtmf", "record", "condition", "set_variable", "opt_out", "hangup"] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** The outputs each node type may fire, besides `default` (every type but hangup) and dtmf `branches`. */
export const NODE_OUTPUTS = {
  dial: ["onAnswer", "onVoicemail", "onNoAnswer", "onBusy", "onRejected", "onError"],
  play: ["onComplete", "onError"],
  dtmf: ["onSuccess", "onTimeout", "onInvalid", "onMaxRetries", "onError"],
  record: ["onComplete", "onTimeout", "onError"],
  condition: ["onTrue", "onFalse", "onError"],
  set_variable: ["onSuccess", "onError"],
  opt_out: ["onSuccess", "onError"],
  hangup: [],
} as const satisfies Record<NodeType, readonly string[]>;

export type NodeOutput<T extends NodeType> = (typeof NODE_OUTPUTS)[T][number];

/** Output name → node id. `default` is taken when the output that fired is not mapped. A hangup node has none. */
export type Outputs<T extends NodeType> = T extends "hangup" ? Record<string, never> : Partial<Record<NodeOutput<T> | "default", string>>;

interface NodeOf<T extends NodeType, C> {
  id: string;
  type: T;
  label?: string | null;
  config: C;
  outputs: Outputs<T>;
}

/** Audio a `play` node plays. `audioUrl` plays a file the carrier fetches; `audioFile` names an audio library entry. */
export type AudioItem = { type: "tts"; text: string } | { type: "audioFile"; audioId: string } | { type: "audioUrl"; url: string };
export const AUDIO_ITEM_TYPES = ["tts", "audioFile", "audioUrl"] as const;

export const DTMF_MODES = ["single_digit", "multi_digit"] as const;
export type DtmfMode = (typeof DTMF_MODES)[number];

/** Digits a dtmf branch may be keyed by, in the order the simulator (and people reading menus) rank them. */
export const DTMF_DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"] as const;

export type DialConfig = {
  /** Ring time in ms (default 30000). */
  timeout?: number;
  /** Answering-machine detection (default true). */
  enableAMD?: boolean;
};
export type PlayConfig = {
  audioItems: AudioItem[];
};
export type DtmfConfig = {
  mode?: DtmfMode;
  /** Digit → node id. */
  branches?: Record<string, string>;
  timeoutMs?: number;
  maxRetries?: number;
  variableName?: string;
};
export type RecordConfig = {
  variableName?: string;
  maxDurationMs?: number;
};
export type Condition = {
  left: Value;
  operator: ConditionOperator;
  right: Value;
};
export type ConditionConfig = {
  logic?: "AND" | "OR";
  conditions: Condition[];
};
export type SetVariableConfig = {
  variableName: string;
  value: Value;
};
export type OptOutConfig = Record<string, never>;
export type HangupConfig = {
  reason?: string | null;
  hangupType?: string | null;
};

export type DialNode = NodeOf<"dial", DialConfig>;
export type PlayNode = NodeOf<"play", PlayConfig>;
export type DtmfNode = NodeOf<"dtmf", DtmfConfig>;
export type RecordNode = NodeOf<"record", RecordConfig>;
export type ConditionNode = NodeOf<"condition", ConditionConfig>;
export type SetVariableNode = NodeOf<"set_variable", SetVariableConfig>;
export type OptOutNode = NodeOf<"opt_out", OptOutConfig>;
export type HangupNode = NodeOf<"hangup", HangupConfig>;

export type FlowNode = DialNode | PlayNode | DtmfNode | RecordNode | ConditionNode | SetVariableNode | OptOutNode | HangupNode;

export interface FlowDefinition {
  startNodeId: string;
  nodes: FlowNode[];
}

export type Literal = string | number | boolean | null;
export type ValueSource =
  | { source: "variable"; variableName: string }
  | { source: "customAttribute"; attributeName: string }
  | { source: "contactField"; field: ContactField }
  | { source: "system"; name: SystemValueName };
export type Value = Literal | ValueSource;

export const VALUE_SOURCES = ["variable", "customAttribute", "contactField", "system"] as const;
export const CONTACT_FIELDS = ["phone", "firstName", "lastName", "email"] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

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

/** Hard bound on node steps in one call. */
export const MAX_FLOW_STEPS = 1000;
