// A flow is checked in two passes and every problem of both is thrown as one ValidationError, so a person fixing a
// flow sees them all at once: the shape of every node (the zod schema of flow.schema.ts), then the graph rules, which
// need the whole flow: the start node exists and is the one and only dial node, every output and dtmf branch points
// at an existing node, and every node is reachable from the start. The graph pass reads the raw input leniently, so
// that a node with a bad config still counts as a node (and its edges still count) while its config is reported.

import type { z } from "zod";
import { type FieldProblem, ValidationError } from "../../shared/errors";
import { isPlainObject, keyPath, zodProblems } from "../../shared/validation";
import { flowDefinitionSchema, flowInputSchema } from "./flow.schema";
import { NODE_OUTPUTS, NODE_TYPES, type NodeType } from "./flow.types";

const isNodeId = (value: unknown): value is string => typeof value === "string" && value.trim().length > 0;

/** One outgoing edge, with the path to report it under. */
interface Edge {
  field: string;
  target: string;
}

/** What the graph rules need of a node, read from the raw input. */
interface GraphNode {
  index: number;
  id: string | null;
  type: NodeType | null;
  edges: Edge[];
}

function graphNode(raw: unknown, index: number): GraphNode {
  const node: GraphNode = { index, id: null, type: null, edges: [] };
  if (!isPlainObject(raw)) return node;
  if (isNodeId(raw.id)) node.id = raw.id;
  if ((NODE_TYPES as readonly unknown[]).includes(raw.type)) node.type = raw.type as NodeType;
  const base = `nodes[${index}]`;
  if (isPlainObject(raw.outputs) && node.type !== "hangup") {
    const allowed: readonly string[] | null = node.type ? [...NODE_OUTPUTS[node.type], "default"] : null;
    for (const [name, target] of Object.entries(raw.outputs)) {
      if ((!allowed || allowed.includes(name)) && isNodeId(target)) node.edges.push({ field: keyPath(`${base}.outputs`, name), target });
    }
  }
  if (node.type === "dtmf" && isPlainObject(raw.config) && isPlainObject(raw.config.branches)) {
    for (const [digit, target] of Object.entries(raw.config.branches)) {
      if (isNodeId(target)) node.edges.push({ field: keyPath(`${base}.config.branches`, digit), target });
    }
  }
  return node;
}

function graphProblems(startNodeId: unknown, rawNodes: unknown[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const nodes = rawNodes.map(graphNode);

  // First occurrence wins; later duplicates are reported and left out of the graph.
  const byId = new Map<string, GraphNode>();
  for (const n of nodes) {
    if (n.id === null) continue;
    const first = byId.get(n.id);
    if (first) {
      problems.push({ field: `nodes[${n.index}].id`, message: `duplicate node id ${JSON.stringify(n.id)} (already used by nodes[${first.index}])` });
      continue;
    }
    byId.set(n.id, n);
  }

  const dials = nodes.filter((n) => n.type === "dial");
  if (dials.length === 0) problems.push({ field: "nodes", message: "a flow needs exactly one dial node (its start node); found none" });
  for (const extra of dials.slice(1)) {
    const which = extra.id === null ? "this" : JSON.stringify(extra.id);
    problems.push({
      field: `nodes[${extra.index}].type`,
      message: `a flow has exactly one dial node; ${which} is a second one (the first is nodes[${dials[0].index}])`,
    });
  }

  let start: GraphNode | undefined;
  if (isNodeId(startNodeId)) {
    start = byId.get(startNodeId);
    if (!start) problems.push({ field: "startNodeId", message: `no node has id ${JSON.stringify(startNodeId)}` });
    else if (start.type !== null && start.type !== "dial")
      problems.push({
        field: "startNodeId",
        message: `start node ${JSON.stringify(startNodeId)} is a ${start.type} node; the start node must be the flow's dial node`,
      });
  }

  for (const n of byId.values()) {
    for (const edge of n.edges) {
      if (!byId.has(edge.target)) problems.push({ field: edge.field, message: `points at missing node ${JSON.stringify(edge.target)}` });
    }
  }

  // Reachability only means something once the start node is known; otherwise every node would be flagged.
  if (start) {
    const seen = new Set<string>([start.id!]);
    const queue: GraphNode[] = [start];
    for (let head = 0; head < queue.length; head++) {
      for (const edge of queue[head].edges) {
        const next = byId.get(edge.target);
        if (next && !seen.has(edge.target)) {
          seen.add(edge.target);
          queue.push(next);
        }
      }
    }
    for (const n of byId.values()) {
      if (!seen.has(n.id!)) problems.push({ field: `nodes[${n.index}]`, message: `node ${JSON.stringify(n.id)} is unreachable from the start node` });
    }
  }
  return problems;
}

// Graph problems are found after shape problems; list them node by node so a person can fix one node at a time.
function sortByNode(problems: FieldProblem[]): FieldProblem[] {
  const nodeIndex = (field: string): number => {
    const m = /^nodes\[(\d+)\]/.exec(field);
    return m ? Number(m[1]) : -1;
  };
  return problems
    .map((problem, order) => ({ problem, order, index: nodeIndex(problem.field) }))
    .sort((a, b) => a.index - b.index || a.order - b.order)
    .map((entry) => entry.problem);
}

/** Parses a flow with `schema`, then checks its graph; throws one ValidationError listing every problem. */
function checkFlow<S extends typeof flowDefinitionSchema | typeof flowInputSchema>(schema: S, input: unknown): z.output<S> {
  const shape = schema.safeParse(input);
  const problems = shape.success ? [] : zodProblems(shape.error);
  const { startNodeId, nodes } = isPlainObject(input) ? input : {};
  // Without a list of nodes there is no graph to check.
  if (Array.isArray(nodes) && nodes.length > 0) problems.push(...graphProblems(startNodeId, nodes));
  if (problems.length > 0) throw new ValidationError(sortByNode(problems));
  return shape.data as z.output<S>;
}

/** Validates a flow (shape of every node, then the graph rules) and returns it typed. */
export function validateFlowDefinition(input: { startNodeId: unknown; nodes: unknown }) {
  return checkFlow(flowDefinitionSchema, input);
}

/** Validates a flow as clients send it (its name too). */
export function parseFlowInput(input: unknown) {
  return checkFlow(flowInputSchema, input);
}
