import { describe, expect, it } from "vitest";
import { type FieldProblem, ValidationError } from "../../../shared/errors";
import { CONDITION_OPERATORS, SYSTEM_VALUE_NAMES } from "../flow.types";
import { validateFlowDefinition } from "../flow.validation";

type Obj = Record<string, unknown>;
interface FlowInput {
  startNodeId: unknown;
  nodes: unknown[];
}

/** A valid flow using every node type; indexes are referred to by the tests below. */
function baseFlow(): FlowInput {
  return {
    startNodeId: "dial",
    nodes: [
      {
        id: "dial",
        type: "dial",
        config: { timeout: 20000, enableAMD: true },
        outputs: {
          onAnswer: "greet",
          onVoicemail: "vm",
          onNoAnswer: "end",
          onBusy: "end",
          onRejected: "end",
          onError: "end",
        },
      }, // 0
      {
        id: "greet",
        type: "play",
        label: "Greeting",
        config: {
          audioItems: [
            { type: "tts", text: "Hello" },
            { type: "audioFile", audioId: "a1" },
          ],
        },
        outputs: { onComplete: "menu", onError: "end" },
      }, // 1
      {
        id: "menu",
        type: "dtmf",
        config: {
          mode: "single_digit",
          branches: { "1": "rec", "2": "check" },
          timeoutMs: 5000,
          maxRetries: 2,
          variableName: "choice",
        },
        outputs: { onTimeout: "end", onInvalid: "greet", onMaxRetries: "end", default: "end" },
      }, // 2
      {
        id: "rec",
        type: "record",
        config: { variableName: "message", maxDurationMs: 30000 },
        outputs: { onComplete: "end", onTimeout: "end" },
      }, // 3
      {
        id: "check",
        type: "condition",
        config: {
          logic: "AND",
          conditions: [
            { left: { source: "customAttribute", attributeName: "tier" }, operator: "eq", right: "gold" },
            { left: { source: "system", name: "sys.attemptNumber" }, operator: "lte", right: 3 },
          ],
        },
        outputs: { onTrue: "tag", onFalse: "end" },
      }, // 4
      {
        id: "tag",
        type: "set_variable",
        config: { variableName: "vip", value: { source: "contactField", field: "email" } },
        outputs: { onSuccess: "end" },
      }, // 5
      {
        id: "vm",
        type: "play",
        config: { audioItems: [{ type: "tts", text: "Call us back" }] },
        outputs: { default: "end" },
      }, // 6
      { id: "end", type: "hangup", config: { reason: "done", hangupType: "normal" }, outputs: {} }, // 7
    ],
  };
}

const node = (f: FlowInput, i: number): Obj => f.nodes[i] as Obj;
const config = (f: FlowInput, i: number): Obj => node(f, i).config as Obj;
const outputs = (f: FlowInput, i: number): Obj => node(f, i).outputs as Obj;
const condition = (f: FlowInput, j: number): Obj => (config(f, 4).conditions as Obj[])[j];

function problemsOf(input: FlowInput | { startNodeId: unknown; nodes: unknown }): FieldProblem[] {
  try {
    validateFlowDefinition(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const ve = err as ValidationError;
    expect(ve.code).toBe("BAD_USER_INPUT");
    return ve.problems;
  }
  throw new Error("expected a ValidationError");
}

function mutated(mutate: (f: FlowInput) => void): FlowInput {
  const f = baseFlow();
  mutate(f);
  return f;
}

describe("validateFlowDefinition: valid flows", () => {
  it("returns the flow typed, keeping labels, config and outputs", () => {
    const input = baseFlow();
    const result = validateFlowDefinition(input);
    expect(result).toEqual(baseFlow());
    expect(result.nodes[1].label).toBe("Greeting");
    expect("label" in result.nodes[0]).toBe(false);
  });

  it("accepts a minimal dial → hangup flow with empty configs (defaults apply)", () => {
    const result = validateFlowDefinition({
      startNodeId: "d",
      nodes: [
        { id: "d", type: "dial", config: {}, outputs: { default: "h" } },
        { id: "h", type: "hangup", config: {}, outputs: {} },
      ],
    });
    expect(result.nodes.map((n) => n.type)).toEqual(["dial", "hangup"]);
  });

  it("accepts a dial node alone with no outputs", () => {
    expect(validateFlowDefinition({ startNodeId: "d", nodes: [{ id: "d", type: "dial", config: {}, outputs: {} }] }))
      .toEqual({ startNodeId: "d", nodes: [{ id: "d", type: "dial", config: {}, outputs: {} }] });
  });

  it("accepts every dtmf key 0-9, * and #, and a multi_digit mode", () => {
    const f = mutated((f) => {
      const branches: Obj = {};
      for (const d of ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"]) branches[d] = "end";
      branches["1"] = "rec";
      branches["2"] = "check";
      config(f, 2).branches = branches;
      config(f, 2).mode = "multi_digit";
    });
    expect(() => validateFlowDefinition(f)).not.toThrow();
  });

  it("accepts every output name of every node type, plus default", () => {
    const f = mutated((f) => {
      Object.assign(outputs(f, 1), { onComplete: "menu", onError: "end", default: "end" });
      Object.assign(outputs(f, 2), { onSuccess: "end", onError: "end" });
      Object.assign(outputs(f, 3), { onError: "end", default: "end" });
      Object.assign(outputs(f, 4), { onError: "end", default: "end" });
      Object.assign(outputs(f, 5), { onError: "end", default: "end" });
      Object.assign(outputs(f, 0), { default: "end" });
    });
    expect(() => validateFlowDefinition(f)).not.toThrow();
  });

  it("accepts every literal, value source, system name, contact field and operator", () => {
    const values: unknown[] = [
      "text",
      "",
      0,
      -1.5,
      true,
      false,
      null,
      { source: "variable", variableName: "x" },
      { source: "customAttribute", attributeName: "tier" },
      ...["phone", "firstName", "lastName", "email"].map((field) => ({ source: "contactField", field })),
      ...SYSTEM_VALUE_NAMES.map((name) => ({ source: "system", name })),
    ];
    const f = mutated((f) => {
      config(f, 4).conditions = [
        ...values.map((v) => ({ left: v, operator: "eq", right: v })),
        ...CONDITION_OPERATORS.map((operator) => ({ left: 1, operator, right: "1" })),
      ];
      config(f, 4).logic = "OR";
    });
    expect(() => validateFlowDefinition(f)).not.toThrow();
    for (const value of values) {
      const g = mutated((g) => {
        config(g, 5).value = value;
      });
      expect(() => validateFlowDefinition(g)).not.toThrow();
    }
  });

  it("accepts a label of null and condition logic left out", () => {
    const f = mutated((f) => {
      node(f, 0).label = null;
      delete config(f, 4).logic;
    });
    expect(validateFlowDefinition(f).nodes[0].label).toBeNull();
  });
});

describe("validateFlowDefinition: each rule alone names its field", () => {
  const cases: Array<[string, (f: FlowInput) => void, FieldProblem]> = [
    // top level
    [
      "startNodeId not a string",
      (f) => {
        f.startNodeId = 42;
      },
      { field: "startNodeId", message: "must be a non-empty string" },
    ],
    [
      "startNodeId empty",
      (f) => {
        f.startNodeId = "";
      },
      { field: "startNodeId", message: "must be a non-empty string" },
    ],
    [
      "start node missing",
      (f) => {
        f.startNodeId = "nope";
      },
      { field: "startNodeId", message: 'no node has id "nope"' },
    ],
    // node shape
    [
      "node not an object",
      (f) => {
        f.nodes.push(5);
      },
      { field: "nodes[8]", message: "must be an object { id, type, config, outputs }" },
    ],
    [
      "node id empty",
      (f) => {
        f.nodes.push({ id: "", type: "hangup", config: {}, outputs: {} });
      },
      { field: "nodes[8].id", message: "must be a non-empty string" },
    ],
    [
      "node id missing",
      (f) => {
        f.nodes.push({ type: "hangup", config: {}, outputs: {} });
      },
      { field: "nodes[8].id", message: "must be a non-empty string" },
    ],
    [
      "duplicate node id",
      (f) => {
        f.nodes.push({ id: "end", type: "hangup", config: {}, outputs: {} });
      },
      { field: "nodes[8].id", message: 'duplicate node id "end" (already used by nodes[7])' },
    ],
    [
      "unknown node type",
      (f) => {
        node(f, 6).type = "foo";
      },
      {
        field: "nodes[6].type",
        message: 'unknown node type "foo" (expected one of dial, play, dtmf, record, condition, set_variable, opt_out, hangup)',
      },
    ],
    [
      "node type not a string",
      (f) => {
        node(f, 6).type = 3;
      },
      { field: "nodes[6].type", message: "must be one of dial, play, dtmf, record, condition, set_variable, opt_out, hangup" },
    ],
    [
      "label not a string",
      (f) => {
        node(f, 6).label = 12;
      },
      { field: "nodes[6].label", message: "must be a string or null" },
    ],
    [
      "config not an object",
      (f) => {
        node(f, 6).config = [];
      },
      { field: "nodes[6].config", message: "must be an object" },
    ],
    [
      "config missing",
      (f) => {
        delete node(f, 7).config;
      },
      { field: "nodes[7].config", message: "must be an object" },
    ],
    [
      "outputs not an object",
      (f) => {
        node(f, 7).outputs = "x";
      },
      { field: "nodes[7].outputs", message: "must be an object mapping output names to node ids" },
    ],
    [
      "outputs missing",
      (f) => {
        delete node(f, 7).outputs;
      },
      { field: "nodes[7].outputs", message: "must be an object mapping output names to node ids" },
    ],
    [
      "output target not a string",
      (f) => {
        outputs(f, 6).default = 5;
      },
      { field: "nodes[6].outputs.default", message: "must be a node id (non-empty string)" },
    ],
    [
      "output name not allowed for the type",
      (f) => {
        outputs(f, 1).onAnswer = "end";
      },
      {
        field: "nodes[1].outputs.onAnswer",
        message: 'unknown output "onAnswer" for a play node (allowed: onComplete, onError, default)',
      },
    ],
    [
      "dtmf branches written as an output",
      (f) => {
        outputs(f, 2).branches = "end";
      },
      {
        field: "nodes[2].outputs.branches",
        message:
          'unknown output "branches" for a dtmf node (allowed: onSuccess, onTimeout, onInvalid, onMaxRetries, onError, default)',
      },
    ],
    [
      "hangup node with an output",
      (f) => {
        node(f, 7).outputs = { default: "dial" };
      },
      { field: "nodes[7].outputs", message: 'a hangup node has no outputs (found "default")' },
    ],
    // graph
    [
      "output points at a missing node",
      (f) => {
        outputs(f, 1).onError = "n9";
      },
      { field: "nodes[1].outputs.onError", message: 'points at missing node "n9"' },
    ],
    [
      "dtmf branch points at a missing node",
      (f) => {
        (config(f, 2).branches as Obj)["#"] = "n9";
      },
      { field: 'nodes[2].config.branches["#"]', message: 'points at missing node "n9"' },
    ],
    [
      "unreachable node",
      (f) => {
        f.nodes.push({ id: "orphan", type: "hangup", config: {}, outputs: {} });
      },
      { field: "nodes[8]", message: 'node "orphan" is unreachable from the start node' },
    ],
    [
      "a second dial node",
      (f) => {
        f.nodes.push({ id: "dial2", type: "dial", config: {}, outputs: {} });
        outputs(f, 6).default = "dial2";
      },
      {
        field: "nodes[8].type",
        message: 'a flow has exactly one dial node; "dial2" is a second one (the first is nodes[0])',
      },
    ],
    // dial
    [
      "dial timeout zero",
      (f) => {
        config(f, 0).timeout = 0;
      },
      { field: "nodes[0].config.timeout", message: "must be a positive number of milliseconds" },
    ],
    [
      "dial timeout negative",
      (f) => {
        config(f, 0).timeout = -5;
      },
      { field: "nodes[0].config.timeout", message: "must be a positive number of milliseconds" },
    ],
    [
      "dial timeout a string",
      (f) => {
        config(f, 0).timeout = "30000";
      },
      { field: "nodes[0].config.timeout", message: "must be a positive number of milliseconds" },
    ],
    [
      "dial enableAMD not a boolean",
      (f) => {
        config(f, 0).enableAMD = "yes";
      },
      { field: "nodes[0].config.enableAMD", message: "must be a boolean" },
    ],
    // play
    [
      "play audioItems missing",
      (f) => {
        delete config(f, 6).audioItems;
      },
      { field: "nodes[6].config.audioItems", message: "must be an array of audio items" },
    ],
    [
      "play audio item not an object",
      (f) => {
        config(f, 6).audioItems = ["hello"];
      },
      {
        field: "nodes[6].config.audioItems[0]",
        message: 'must be an object { type: "tts", text } or { type: "audioFile", audioId }',
      },
    ],
    [
      "play audio item of unknown type",
      (f) => {
        (config(f, 1).audioItems as Obj[])[1] = { type: "mp3", audioId: "a" };
      },
      { field: "nodes[1].config.audioItems[1].type", message: 'must be "tts", "audioFile" or "audioUrl" (got "mp3")' },
    ],
    [
      "tts item without text",
      (f) => {
        (config(f, 1).audioItems as Obj[])[0] = { type: "tts" };
      },
      { field: "nodes[1].config.audioItems[0].text", message: "must be a non-empty string" },
    ],
    [
      "audioFile item with an empty audioId",
      (f) => {
        (config(f, 1).audioItems as Obj[])[1] = { type: "audioFile", audioId: "" };
      },
      { field: "nodes[1].config.audioItems[1].audioId", message: "must be a non-empty string" },
    ],
    // dtmf
    [
      "dtmf mode unknown",
      (f) => {
        config(f, 2).mode = "pin";
      },
      { field: "nodes[2].config.mode", message: 'must be "single_digit" or "multi_digit" (got "pin")' },
    ],
    [
      "dtmf branch key of two digits",
      (f) => {
        (config(f, 2).branches as Obj)["12"] = "end";
      },
      { field: 'nodes[2].config.branches["12"]', message: '"12" is not a single digit (0-9, * or #)' },
    ],
    [
      "dtmf branch key a letter",
      (f) => {
        (config(f, 2).branches as Obj).a = "end";
      },
      { field: "nodes[2].config.branches.a", message: '"a" is not a single digit (0-9, * or #)' },
    ],
    [
      "dtmf branch target not a string",
      (f) => {
        (config(f, 2).branches as Obj)["3"] = 7;
      },
      { field: 'nodes[2].config.branches["3"]', message: "must be a node id (non-empty string)" },
    ],
    [
      "dtmf timeoutMs negative",
      (f) => {
        config(f, 2).timeoutMs = -1;
      },
      { field: "nodes[2].config.timeoutMs", message: "must be a non-negative integer (milliseconds)" },
    ],
    [
      "dtmf timeoutMs a fraction",
      (f) => {
        config(f, 2).timeoutMs = 1.5;
      },
      { field: "nodes[2].config.timeoutMs", message: "must be a non-negative integer (milliseconds)" },
    ],
    [
      "dtmf maxRetries negative",
      (f) => {
        config(f, 2).maxRetries = -1;
      },
      { field: "nodes[2].config.maxRetries", message: "must be a non-negative integer" },
    ],
    [
      "dtmf maxRetries a string",
      (f) => {
        config(f, 2).maxRetries = "2";
      },
      { field: "nodes[2].config.maxRetries", message: "must be a non-negative integer" },
    ],
    [
      "dtmf variableName not a string",
      (f) => {
        config(f, 2).variableName = 3;
      },
      { field: "nodes[2].config.variableName", message: "must be a non-empty string" },
    ],
    // record
    [
      "record variableName empty",
      (f) => {
        config(f, 3).variableName = "";
      },
      { field: "nodes[3].config.variableName", message: "must be a non-empty string" },
    ],
    [
      "record maxDurationMs zero",
      (f) => {
        config(f, 3).maxDurationMs = 0;
      },
      { field: "nodes[3].config.maxDurationMs", message: "must be a positive integer (milliseconds)" },
    ],
    [
      "record maxDurationMs a string",
      (f) => {
        config(f, 3).maxDurationMs = "60s";
      },
      { field: "nodes[3].config.maxDurationMs", message: "must be a positive integer (milliseconds)" },
    ],
    // condition
    [
      "condition logic unknown",
      (f) => {
        config(f, 4).logic = "XOR";
      },
      { field: "nodes[4].config.logic", message: 'must be "AND" or "OR" (got "XOR")' },
    ],
    [
      "condition conditions empty",
      (f) => {
        config(f, 4).conditions = [];
      },
      { field: "nodes[4].config.conditions", message: "must be a non-empty array of { left, operator, right }" },
    ],
    [
      "condition conditions missing",
      (f) => {
        delete config(f, 4).conditions;
      },
      { field: "nodes[4].config.conditions", message: "must be a non-empty array of { left, operator, right }" },
    ],
    [
      "condition entry not an object",
      (f) => {
        (config(f, 4).conditions as unknown[])[0] = "x";
      },
      { field: "nodes[4].config.conditions[0]", message: "must be an object { left, operator, right }" },
    ],
    [
      "condition operator unknown",
      (f) => {
        condition(f, 1).operator = "like";
      },
      {
        field: "nodes[4].config.conditions[1].operator",
        message: 'unknown operator "like" (expected one of eq, neq, gt, lt, gte, lte, contains, startsWith, endsWith)',
      },
    ],
    [
      "condition operator missing",
      (f) => {
        delete condition(f, 1).operator;
      },
      {
        field: "nodes[4].config.conditions[1].operator",
        message: "unknown operator undefined (expected one of eq, neq, gt, lt, gte, lte, contains, startsWith, endsWith)",
      },
    ],
    [
      "condition left missing",
      (f) => {
        delete condition(f, 0).left;
      },
      { field: "nodes[4].config.conditions[0].left", message: "is required (a literal or a value source)" },
    ],
    [
      "condition right missing",
      (f) => {
        delete condition(f, 0).right;
      },
      { field: "nodes[4].config.conditions[0].right", message: "is required (a literal or a value source)" },
    ],
    [
      "condition right an array",
      (f) => {
        condition(f, 0).right = ["gold"];
      },
      {
        field: "nodes[4].config.conditions[0].right",
        message: "must be a literal (string, number, boolean or null) or a value source object",
      },
    ],
    [
      "condition right not finite",
      (f) => {
        condition(f, 1).right = Number.NaN;
      },
      { field: "nodes[4].config.conditions[1].right", message: "must be a finite number" },
    ],
    // value sources
    [
      "value source unknown",
      (f) => {
        condition(f, 0).left = { source: "env", name: "HOME" };
      },
      {
        field: "nodes[4].config.conditions[0].left.source",
        message: 'unknown value source "env" (expected one of variable, customAttribute, contactField, system)',
      },
    ],
    [
      "value source object without source",
      (f) => {
        condition(f, 0).left = { variableName: "x" };
      },
      {
        field: "nodes[4].config.conditions[0].left.source",
        message: "unknown value source undefined (expected one of variable, customAttribute, contactField, system)",
      },
    ],
    [
      "variable source without variableName",
      (f) => {
        condition(f, 0).left = { source: "variable" };
      },
      { field: "nodes[4].config.conditions[0].left.variableName", message: "must be a non-empty string" },
    ],
    [
      "customAttribute source without attributeName",
      (f) => {
        condition(f, 0).left = { source: "customAttribute", attributeName: "" };
      },
      { field: "nodes[4].config.conditions[0].left.attributeName", message: "must be a non-empty string" },
    ],
    [
      "contactField source with an unknown field",
      (f) => {
        condition(f, 0).right = { source: "contactField", field: "address" };
      },
      {
        field: "nodes[4].config.conditions[0].right.field",
        message: 'unknown contact field "address" (expected one of phone, firstName, lastName, email)',
      },
    ],
    [
      "system source with an unknown name",
      (f) => {
        condition(f, 1).left = { source: "system", name: "sys.foo" };
      },
      {
        field: "nodes[4].config.conditions[1].left.name",
        message:
          'unknown system value "sys.foo" (expected one of sys.callId, sys.contactId, sys.contactPhone, sys.programId, sys.executionId, sys.attemptNumber, sys.answeredBy)',
      },
    ],
    // set_variable
    [
      "set_variable variableName missing",
      (f) => {
        delete config(f, 5).variableName;
      },
      { field: "nodes[5].config.variableName", message: "must be a non-empty string" },
    ],
    [
      "set_variable value missing",
      (f) => {
        delete config(f, 5).value;
      },
      { field: "nodes[5].config.value", message: "is required (a literal or a value source)" },
    ],
    [
      "set_variable value an invalid source",
      (f) => {
        config(f, 5).value = { source: "system", name: "callId" };
      },
      {
        field: "nodes[5].config.value.name",
        message:
          'unknown system value "callId" (expected one of sys.callId, sys.contactId, sys.contactPhone, sys.programId, sys.executionId, sys.attemptNumber, sys.answeredBy)',
      },
    ],
    // hangup
    [
      "hangup reason not a string",
      (f) => {
        config(f, 7).reason = 5;
      },
      { field: "nodes[7].config.reason", message: "must be a string" },
    ],
    [
      "hangup hangupType not a string",
      (f) => {
        config(f, 7).hangupType = {};
      },
      { field: "nodes[7].config.hangupType", message: "must be a string" },
    ],
  ];

  for (const [name, mutate, problem] of cases) {
    it(name, () => {
      const problems = problemsOf(mutated(mutate));
      expect(problems).toEqual([problem]);
    });
  }
});

describe("validateFlowDefinition: rules that bring their consequences along", () => {
  it("nodes not an array", () => {
    expect(problemsOf({ startNodeId: "dial", nodes: { a: 1 } })).toEqual([
      { field: "nodes", message: "must be an array of nodes" },
    ]);
    expect(problemsOf({ startNodeId: null, nodes: undefined })).toEqual([
      { field: "startNodeId", message: "must be a non-empty string" },
      { field: "nodes", message: "must be an array of nodes" },
    ]);
  });

  it("no nodes at all", () => {
    expect(problemsOf({ startNodeId: "dial", nodes: [] })).toEqual([
      { field: "nodes", message: "must contain at least one node (the dial node to start from)" },
    ]);
  });

  it("a start node that is not the dial node (which, with what only it leads to, becomes unreachable)", () => {
    expect(problemsOf({ ...baseFlow(), startNodeId: "greet" })).toEqual([
      {
        field: "startNodeId",
        message: 'start node "greet" is a play node; the start node must be the flow\'s dial node',
      },
      { field: "nodes[0]", message: 'node "dial" is unreachable from the start node' },
      { field: "nodes[6]", message: 'node "vm" is unreachable from the start node' },
    ]);
  });

  it("a flow without a dial node", () => {
    expect(
      problemsOf({ startNodeId: "end", nodes: [{ id: "end", type: "hangup", config: {}, outputs: {} }] }),
    ).toEqual([
      { field: "nodes", message: "a flow needs exactly one dial node (its start node); found none" },
      {
        field: "startNodeId",
        message: 'start node "end" is a hangup node; the start node must be the flow\'s dial node',
      },
    ]);
  });

  it("dtmf branches not an object (their targets become unreachable)", () => {
    expect(
      problemsOf(
        mutated((f) => {
          config(f, 2).branches = ["rec", "check"];
        }),
      ),
    ).toEqual([
      { field: "nodes[2].config.branches", message: "must be an object mapping digits to node ids" },
      { field: "nodes[3]", message: 'node "rec" is unreachable from the start node' },
      { field: "nodes[4]", message: 'node "check" is unreachable from the start node' },
      { field: "nodes[5]", message: 'node "tag" is unreachable from the start node' },
    ]);
  });

  it("a node reachable only through an unreachable node is unreachable too", () => {
    const problems = problemsOf(
      mutated((f) => {
        f.nodes.push({ id: "island1", type: "play", config: { audioItems: [] }, outputs: { default: "island2" } });
        f.nodes.push({ id: "island2", type: "hangup", config: {}, outputs: {} });
      }),
    );
    expect(problems).toEqual([
      { field: "nodes[8]", message: 'node "island1" is unreachable from the start node' },
      { field: "nodes[9]", message: 'node "island2" is unreachable from the start node' },
    ]);
  });

  it("lists every problem of a badly broken flow in one ValidationError", () => {
    const f = mutated((f) => {
      config(f, 0).timeout = -1; // nodes[0].config.timeout
      outputs(f, 1).onError = "n9"; // nodes[1].outputs.onError
      node(f, 3).type = "foo"; // nodes[3].type
      condition(f, 1).operator = "like"; // nodes[4].config.conditions[1].operator
      f.nodes.push({ id: "end", type: "hangup", config: {}, outputs: { default: "dial" } }); // duplicate + outputs
    });
    let error: unknown;
    try {
      validateFlowDefinition(f);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const ve = error as ValidationError;
    expect(ve.problems.map((p) => p.field)).toEqual([
      "nodes[0].config.timeout",
      "nodes[1].outputs.onError",
      "nodes[3].type",
      "nodes[4].config.conditions[1].operator",
      "nodes[8].outputs",
      "nodes[8].id",
    ]);
    expect(ve.message).toContain('nodes[1].outputs.onError: points at missing node "n9"');
    expect(ve.message).toContain('nodes[3].type: unknown node type "foo"');
    expect(ve.message.split("; ")).toHaveLength(6);
  });
});
