import type { CodegenConfig } from "@graphql-codegen/cli";

// Typed documents for the tests' GraphQL operations, generated from the committed schema.graphql.
const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["test/graphql/**/*.graphql"],
  generates: {
    "test/generated/graphql.ts": {
      // typescript-operations 6 emits the input types itself (STACK.md #13).
      plugins: ["typescript-operations", "typed-document-node"],
      config: { scalars: { DateTimeISO: "string", JSONObject: "Record<string, unknown>" }, enumsAsTypes: true },
    },
  },
};

export default config;
