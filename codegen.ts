import type { CodegenConfig } from "@graphql-codegen/cli";

const scalars = { DateTimeISO: "string", JSONObject: "Record<string, unknown>" };

// Typed documents generated from the committed schema.graphql: the tests' operations, and the operations of
// Voicecast's own clients (dashboard, `voicecast watch`).
const config: CodegenConfig = {
  schema: "schema.graphql",
  generates: {
    "test/generated/graphql.ts": {
      documents: ["test/graphql/**/*.graphql"],
      // typescript-operations 6 emits the input types itself: it must not share a file with the `typescript` plugin.
      plugins: ["typescript-operations", "typed-document-node"],
      config: { scalars, enumsAsTypes: true },
    },
    // Documents as plain strings: the browser bundle then needs no GraphQL parser or printer.
    "src/client/generated/graphql.ts": {
      documents: ["src/client/**/*.graphql"],
      plugins: ["typescript-operations", "typed-document-node"],
      config: { scalars, enumsAsTypes: true, documentMode: "string" },
    },
  },
};

export default config;
