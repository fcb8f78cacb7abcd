import { createSourceEventStream, DocumentNode, execute, ExecutionArgs, ExecutionResult, GraphQLError, GraphQLSchema, parse, specifiedRules, validate } from "graphql";
import { depthRule, MAX_TOKENS } from "./graphql-limits";

// Fan-out cost. A thousand dashboards following one execution each hold the same subscription document, and the
// feeds hand every one of them the same snapshot object. graphql-js would parse and validate the document once per
// subscription and execute it once per subscriber per event; both are done once here and shared, so an event costs
// one execution plus one serialisation and one socket write per subscriber.

type Execution = ExecutionResult | Promise<ExecutionResult>;

/** Longer documents (a bulk mutation sent over the socket) are compiled each time rather than kept. */
const MAX_CACHED_QUERY = 10_000;

/** Parsed and validated documents by query text (bounded: cleared when full). */
export class DocumentCache {
  private readonly entries = new Map<string, { document: DocumentNode } | { errors: readonly GraphQLError[] }>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly max = 500,
  ) {}

  /** The document, or the errors that refuse it (a syntax error is GRAPHQL_PARSE_FAILED). */
  get(query: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
    let entry = this.entries.get(query);
    if (!entry) {
      entry = this.compile(query);
      if (query.length > MAX_CACHED_QUERY) return entry;
      if (this.entries.size >= this.max) this.entries.clear();
      this.entries.set(query, entry);
    }
    return entry;
  }

  private compile(query: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: MAX_TOKENS });
    } catch (err) {
      return { errors: [new GraphQLError((err as Error).message, { extensions: { code: "GRAPHQL_PARSE_FAILED" } })] };
    }
    // The same rules as over HTTP: graphql-js's own, plus the depth limit.
    const errors = validate(this.schema, document, [...specifiedRules, depthRule]);
    return errors.length > 0 ? { errors } : { document };
  }
}

/**
 * graphql-js `subscribe`, except that the result of executing one document with the same variables, for the same
 * organization, on the same payload object is computed once and shared by every subscriber that receives it.
 */
export function createSharedSubscribe(organizationOf: (contextValue: unknown) => string) {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const results = new WeakMap<object, Map<string, Execution>>();

  return async function subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream;
    const source = stream[Symbol.asyncIterator]();

    let documentId = documentIds.get(args.document);
    if (documentId === undefined) documentIds.set(args.document, (documentId = nextDocumentId++));
    const key = `${documentId}|${args.operationName ?? ""}|${JSON.stringify(args.variableValues ?? {})}|${organizationOf(args.contextValue)}`;
    const run = (payload: unknown): Execution => {
      if (typeof payload !== "object" || payload === null) return execute({ ...args, rootValue: payload });
      let byKey = results.get(payload);
      if (!byKey) results.set(payload, (byKey = new Map()));
      let result = byKey.get(key);
      if (!result) byKey.set(key, (result = execute({ ...args, rootValue: payload })));
      return result;
    };

    // A plain iterator rather than an async generator: return() must reach the source at once (it unsubscribes),
    // even while a next() is still waiting for an event.
    const iterator: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const item = await source.next();
        return item.done ? { value: undefined, done: true } : { value: await run(item.value), done: false };
      },
      async return() {
        await source.return?.();
        return { value: undefined, done: true };
      },
      async throw(err?: unknown) {
        await source.return?.();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  };
}
