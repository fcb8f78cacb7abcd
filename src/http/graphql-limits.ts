import type { ApolloServerPlugin } from "@apollo/server";
import {
  DocumentNode,
  GraphQLError,
  GraphQLSchema,
  KnownFragmentNamesRule,
  NoFragmentCyclesRule,
  validate,
  ValidationContext,
  ValidationRule,
} from "graphql";
import depthLimit from "graphql-depth-limit";
import { ComplexityEstimator, getComplexity } from "graphql-query-complexity";

// Limits every GraphQL document meets before anything runs, over HTTP and over the WebSocket alike. A refused
// document gets GRAPHQL_VALIDATION_FAILED (HTTP 400).

/** Deepest selection-set nesting accepted (graphql-depth-limit's measure: `{ a { b } }` is 1). */
export const MAX_DEPTH = 12;
/** Highest estimated cost accepted (see `estimateField`): three full pages of 100 items, or 90 mutations. */
export const MAX_COST = 10_000;
/** Longest document accepted, in lexical tokens: validation time grows faster than linearly with the size. */
export const MAX_TOKENS = 20_000;

/** What a page field costs when the document gives no `limit` (the API's default page size). */
const DEFAULT_PAGE = 20;
/** The largest page the API serves: a larger `limit` is refused by the resolver, so it never costs more. */
const MAX_PAGE = 100;
/** A mutation writes: each one costs as much as a hundred plain fields. */
const MUTATION_COST = 100;

/**
 * graphql-depth-limit, guarded: it follows fragment spreads without checking them, so it would crash on an unknown
 * fragment and never return on a fragment cycle. Such documents are refused by the standard rules; the depth walk
 * only runs on the others.
 */
export const depthRule: ValidationRule = (context: ValidationContext) => {
  const broken = validate(context.getSchema(), context.getDocument(), [KnownFragmentNamesRule, NoFragmentCyclesRule]);
  if (broken.length > 0) return {};
  return depthLimit(MAX_DEPTH)(context);
};

/**
 * Each field costs 1 plus what it selects; a page field (one with a `limit` argument) multiplies what it selects by
 * its page size; a mutation field adds MUTATION_COST.
 */
function estimator(schema: GraphQLSchema): ComplexityEstimator {
  const mutationType = schema.getMutationType();
  return ({ field, args, childComplexity, type }) => {
    let cost = 1 + childComplexity;
    if (field.args.some((a) => a.name === "limit")) {
      const limit = typeof args.limit === "number" ? Math.min(Math.max(args.limit, 1), MAX_PAGE) : DEFAULT_PAGE;
      cost = 1 + limit * childComplexity;
    }
    if (mutationType && type === mutationType) cost += MUTATION_COST;
    return cost;
  };
}

/**
 * The refusal of a document over the cost limit, or null. Variables that do not fit the document leave the cost
 * unknown: execution refuses them before anything runs, with the error that names the variable.
 */
export function costError(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined | null, operationName?: string | null): GraphQLError | null {
  let cost: number;
  try {
    cost = getComplexity({ schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined, estimators: [estimator(schema)] });
  } catch (err) {
    if (err instanceof GraphQLError && /maximum allowed number of nodes/.test(err.message)) cost = Infinity;
    else return null;
  }
  if (cost <= MAX_COST) return null;
  return new GraphQLError(
    `The document is too costly: estimated ${Number.isFinite(cost) ? cost : "more than 10,000 fields"}, more than the limit of ${MAX_COST} (a page field costs its limit times what it selects; a mutation ${MUTATION_COST})`,
    { extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } } },
  );
}

/** The cost check over HTTP, once Apollo knows the operation and its variables, before it runs. */
export function costLimitPlugin(schema: GraphQLSchema): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const error = costError(schema, document, request.variables, request.operationName);
          if (error) throw error;
        },
      };
    },
  };
}
