import { z } from "zod";
import { doc } from "../../shared/docs";
import { instant, positiveInt, uuid } from "../../shared/json-fields";
import { pageSchemaOf } from "../../shared/page.schema";
import { describeValue, isPlainObject, nonEmptyText, unionBy } from "../../shared/validation";
import {
  AUDIO_ITEM_TYPES,
  CONDITION_OPERATORS,
  CONTACT_FIELDS,
  DTMF_DIGITS,
  DTMF_MODES,
  type FlowDefinition,
  NODE_OUTPUTS,
  NODE_TYPES,
  type NodeOutput,
  type NodeType,
  SYSTEM_VALUE_NAMES,
  VALUE_SOURCES,
} from "./flow.types";

// The shape of a call flow, described once. As clients send it, a node is a union discriminated by `type`, each type
// with its own config schema (unknown settings refused) and output names; parsing gives a FlowDefinition, checked
// against the type below at compile time. The graph rules (one dial node to start from, edges that land, every node
// reachable) need the whole flow and live in flow.validation.ts.

const list = (values: readonly string[]) => values.join(", ");
const quoted = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(", ");
const NODE_ID = "must be a node id (non-empty string)";

/** An object of known keys: `notObject` when it is not one, and unknown keys named with what is allowed. */
function settings<S extends z.core.$ZodLooseShape>(shape: S, notObject: string) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys"
        ? `unknown key${iss.keys.length > 1 ? "s" : ""} ${quoted(iss.keys)} (allowed: ${allowed.length ? list(allowed) : "none"})`
        : notObject,
  });
}

const nodeTarget = nonEmptyText(NODE_ID).describe("The id of the node to go to");

// Values: a literal or a value source.

const SOURCE = `Where the value comes from: ${list(VALUE_SOURCES)}`;

const valueSource = z.discriminatedUnion(
  "source",
  [
    settings({ source: z.literal("variable").describe(SOURCE), variableName: nonEmptyText().describe("A flow variable's name") }, "must be an object").describe(
      "A flow variable (set by set_variable, dtmf or record)",
    ),
    settings({ source: z.literal("customAttribute").describe(SOURCE), attributeName: nonEmptyText().describe("A key of the contact's customAttributes") }, "must be an object").describe(
      "One of the contact's custom attributes",
    ),
    settings(
      {
        source: z.literal("contactField").describe(SOURCE),
        field: z.enum(CONTACT_FIELDS, { error: (iss) => `unknown contact field ${describeValue(iss.input)} (expected one of ${list(CONTACT_FIELDS)})` }).describe("The contact field"),
      },
      "must be an object",
    ).describe("A field of the contact"),
    settings(
      {
        source: z.literal("system").describe(SOURCE),
        name: z.enum(SYSTEM_VALUE_NAMES, { error: (iss) => `unknown system value ${describeValue(iss.input)} (expected one of ${list(SYSTEM_VALUE_NAMES)})` }).describe("The system value"),
      },
      "must be an object",
    ).describe("A value of the call (its id, the contact, the attempt number, who answered…)"),
  ],
  {
    error: (iss) =>
      `unknown value source ${describeValue((iss.input as { source?: unknown }).source)} (expected one of ${list(VALUE_SOURCES)})`,
  },
);

const literal = {
  string: z.string(),
  number: z.number({ error: "must be a finite number" }),
  boolean: z.boolean(),
  null: z.null(),
};

/** A literal (string, number, boolean, null) or a value source; `missing` is the message when it is left out. */
function value(missing: string) {
  return unionBy([literal.string, literal.number, literal.boolean, literal.null, valueSource], (v) => {
    if (v === undefined) return missing;
    if (v === null) return literal.null;
    if (typeof v === "string") return literal.string;
    if (typeof v === "number") return literal.number;
    if (typeof v === "boolean") return literal.boolean;
    if (isPlainObject(v)) return valueSource;
    return "must be a literal (string, number, boolean or null) or a value source object";
  });
}

const VALUE_REQUIRED = "is required (a literal or a value source)";

// Config of each node type.

const nonNegativeInt = (message: string) => z.number({ error: message }).int({ error: message, abort: true }).min(0, message);
const positiveIntOf = (message: string) => z.number({ error: message }).int({ error: message, abort: true }).positive(message);
const variableName = nonEmptyText();

const AUDIO = `The kind of audio: ${list(AUDIO_ITEM_TYPES)}`;

const audioItem = z.discriminatedUnion(
  "type",
  [
    settings({ type: z.literal("tts").describe(AUDIO), text: nonEmptyText().describe("The text spoken") }, "must be an object").describe("Text to speech"),
    settings({ type: z.literal("audioFile").describe(AUDIO), audioId: nonEmptyText().describe("The audio library entry") }, "must be an object").describe(
      "A file of the audio library (not on carriers yet)",
    ),
    settings(
      {
        type: z.literal("audioUrl").describe(AUDIO),
        url: z
          .string({ error: "must be an http(s) URL" })
          .regex(/^https?:\/\/\S+$/, "must be an http(s) URL")
          .describe("An http(s) URL the carrier fetches the audio from"),
      },
      "must be an object",
    ).describe("Audio at a URL"),
  ],
  {
    error: (iss) =>
      iss.code === "invalid_union"
        ? `must be ${quoted(AUDIO_ITEM_TYPES.slice(0, -1))} or ${JSON.stringify(AUDIO_ITEM_TYPES.at(-1))} (got ${describeValue((iss.input as { type?: unknown }).type)})`
        : 'must be an object { type: "tts", text } or { type: "audioFile", audioId }',
  },
);

const CONDITIONS = "must be a non-empty array of { left, operator, right }";

const condition = settings(
  {
    left: value(VALUE_REQUIRED).describe("The left operand"),
    operator: z
      .enum(CONDITION_OPERATORS, { error: (iss) => `unknown operator ${describeValue(iss.input)} (expected one of ${list(CONDITION_OPERATORS)})` })
      .describe(`How the operands compare: ${list(CONDITION_OPERATORS)}`),
    right: value(VALUE_REQUIRED).describe("The right operand"),
  },
  "must be an object { left, operator, right }",
).describe("One comparison");

const CONFIG = "must be an object";

const configs = {
  dial: settings(
    {
      timeout: z
        .number({ error: "must be a positive number of milliseconds" })
        .positive("must be a positive number of milliseconds")
        .optional()
        .describe("How long to ring, in milliseconds (default 30000)"),
      enableAMD: z.boolean({ error: "must be a boolean" }).optional().describe("Answering-machine detection (default true)"),
    },
    CONFIG,
  ).describe("Calls the contact: the flow's start"),
  play: settings(
    { audioItems: z.array(audioItem, { error: "must be an array of audio items" }).describe("What to play, in order") },
    CONFIG,
  ).describe("Plays audio to the callee"),
  dtmf: settings(
    {
      mode: z
        .enum(DTMF_MODES, { error: (iss) => `must be "single_digit" or "multi_digit" (got ${describeValue(iss.input)})` })
        .optional()
        .describe("single_digit or multi_digit"),
      branches: z
        .record(z.string().refine((k) => (DTMF_DIGITS as readonly string[]).includes(k)).meta({ enum: [...DTMF_DIGITS] }), nodeTarget, {
          error: (iss) =>
            iss.code === "invalid_key" ? `${JSON.stringify(iss.input)} is not a single digit (0-9, * or #)` : "must be an object mapping digits to node ids",
        })
        .optional()
        .describe("Pressed digit (0-9, * or #) → node id; other digits take onInvalid"),
      timeoutMs: nonNegativeInt("must be a non-negative integer (milliseconds)").optional().describe("How long to wait for a key, in milliseconds"),
      maxRetries: nonNegativeInt("must be a non-negative integer").optional().describe("How often an invalid key repeats the node before onMaxRetries"),
      variableName: variableName.optional().describe("The variable the pressed digits are stored in"),
    },
    CONFIG,
  ).describe("Waits for keys pressed by the callee"),
  record: settings(
    {
      variableName: variableName.optional().describe("The variable the recording is stored in"),
      maxDurationMs: positiveIntOf("must be a positive integer (milliseconds)").optional().describe("The longest recording, in milliseconds"),
    },
    CONFIG,
  ).describe("Records the callee"),
  condition: settings(
    {
      logic: z
        .enum(["AND", "OR"], { error: (iss) => `must be "AND" or "OR" (got ${describeValue(iss.input)})` })
        .optional()
        .describe("AND: every condition must hold; OR: one is enough (default AND)"),
      conditions: z.array(condition, { error: CONDITIONS }).min(1, CONDITIONS).describe("The comparisons"),
    },
    CONFIG,
  ).describe("Takes onTrue or onFalse"),
  set_variable: settings(
    { variableName: variableName.describe("The variable to set"), value: value(VALUE_REQUIRED).describe("Its new value") },
    CONFIG,
  ).describe("Sets a flow variable"),
  opt_out: settings({}, CONFIG).describe("Adds the callee's number to the do-not-call list"),
  hangup: settings(
    {
      reason: z.string({ error: "must be a string" }).nullable().optional().describe("Why the call ends (free text)"),
      hangupType: z.string({ error: "must be a string" }).nullable().optional().describe("The kind of hangup (free text)"),
    },
    CONFIG,
  ).describe("Ends the call"),
} satisfies Record<NodeType, z.ZodType>;

// Outputs: output name → node id, names per node type.

const OUTPUTS = "must be an object mapping output names to node ids";

function outputsOf<T extends Exclude<NodeType, "hangup">>(type: T) {
  const names = [...NODE_OUTPUTS[type], "default"] as unknown as readonly [NodeOutput<T> | "default", ...Array<NodeOutput<T> | "default">];
  return z
    .partialRecord(z.string().pipe(z.enum(names)).meta({ enum: names }), nodeTarget, {
      error: (iss) => (iss.code === "invalid_key" ? `unknown output ${JSON.stringify(iss.input)} for a ${type} node (allowed: ${list(names)})` : OUTPUTS),
    })
    .describe(`Output name → node id; \`default\` is taken when the output that fired is not mapped (${list(names)})`);
}

const hangupOutputs = z
  .strictObject({}, { error: (iss) => (iss.code === "unrecognized_keys" ? `a hangup node has no outputs (found ${quoted(iss.keys)})` : OUTPUTS) })
  .describe("None: a hangup node ends the call");

// Nodes.

const node = z.object({
  id: nonEmptyText().describe("The node's id, unique in the flow"),
  label: z.string({ error: "must be a string or null" }).nullable().optional().describe("A name for people"),
});

function nodeOf<T extends Exclude<NodeType, "hangup">>(type: T) {
  return node.extend({ type: z.literal(type).describe("The node type"), config: configs[type], outputs: outputsOf(type) }).describe(`A ${type} node`);
}

export const flowNodeInputSchema = z
  .discriminatedUnion(
    "type",
    [
      nodeOf("dial"),
      nodeOf("play"),
      nodeOf("dtmf"),
      nodeOf("record"),
      nodeOf("condition"),
      nodeOf("set_variable"),
      nodeOf("opt_out"),
      node.extend({ type: z.literal("hangup").describe("The node type"), config: configs.hangup, outputs: hangupOutputs }).describe("A hangup node"),
    ],
    {
      error: (iss) => {
        if (iss.code !== "invalid_union") return "must be an object { id, type, config, outputs }";
        const type = (iss.input as { type?: unknown }).type;
        return typeof type === "string" ? `unknown node type ${JSON.stringify(type)} (expected one of ${list(NODE_TYPES)})` : `must be one of ${list(NODE_TYPES)}`;
      },
    },
  )
  .describe("One step of a call flow");

export const flowDefinitionSchema = z.object({
  startNodeId: nonEmptyText().describe("The id of the flow's dial node, where every call starts"),
  nodes: z
    .array(flowNodeInputSchema, { error: "must be an array of nodes" })
    .min(1, "must contain at least one node (the dial node to start from)")
    .describe("The flow's nodes: exactly one dial node, every node reachable from it, hangup nodes without outputs"),
});

// What parsing gives is exactly the FlowDefinition the interpreter walks.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const parsedFlowIsFlowDefinition: Equals<z.output<typeof flowDefinitionSchema>, FlowDefinition> = true;
void parsedFlowIsFlowDefinition;

export const flowInputSchema = flowDefinitionSchema
  .extend({
    name: z.string({ error: "must be a string" }).trim().min(1, "must not be empty").max(200, "must be at most 200 characters").describe("The flow's name"),
  })
  .describe("A call flow; saving it again creates a new version");

// As the API answers: nodes as stored (config as an object, whose settings depend on the type).

const byType = (names: (type: NodeType) => readonly string[]) => NODE_TYPES.map((t) => `${t}: ${names(t).join(", ") || "none"}`).join("; ");
const settingsByType = byType((t) => Object.keys(configs[t].shape));
const outputsByType = byType((t) => NODE_OUTPUTS[t]);

export const flowNodeSchema = z
  .object({
    id: z.string().describe(doc(node, "id")),
    type: z.enum(NODE_TYPES).describe(`The node type: ${list(NODE_TYPES)}`),
    label: z
      .codec(z.string().nullish(), z.string().nullable(), { decode: (label) => label ?? null, encode: (label) => label })
      .describe(`${doc(node, "label")}, or null`),
    config: z.record(z.string(), z.unknown()).describe(`The node's settings, by type: ${settingsByType}`),
    outputs: z
      .record(z.string(), z.string())
      .describe(`Output name → node id; \`default\` (every type but hangup) is taken when the output that fired is not mapped. Outputs by type: ${outputsByType}`),
  })
  .describe("One step of a call flow");

export const flowSchema = z
  .object({
    id: uuid.describe("The flow's id"),
    name: z.string().describe("The flow's name"),
    version: positiveInt.describe("The current version; every update creates the next one, and an execution runs the version current at its launch"),
    startNodeId: z.string().describe(doc(flowDefinitionSchema, "startNodeId")),
    nodes: z.array(flowNodeSchema).describe("The current version's nodes"),
    createdAt: instant.describe("When it was created"),
    updatedAt: instant.describe("When it last changed"),
  })
  .describe("A call flow at its current version");

export const flowPageSchema = pageSchemaOf(flowSchema, "flows, newest first");

export const flowOps = {
  create: "Create a call flow (version 1)",
  get: "A flow at its current version",
  list: "Flows, newest first",
  update: "Replace a flow's graph: creates a new version; executions keep the version they were launched with",
  delete: "Delete a flow that no non-archived program uses",
};
