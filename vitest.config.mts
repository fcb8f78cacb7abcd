import { createRequire } from "node:module";
import swc from "unplugin-swc";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

// SWC, not esbuild: TypeORM and type-graphql need emitted decorator metadata, which esbuild does not emit.
export default defineConfig({
  plugins: [swc.vite({ module: { type: "es6" } })],
  // graphql ships .mjs and .js: tests must load the same copy the CommonJS libraries (type-graphql) load.
  resolve: { alias: { graphql: require.resolve("graphql/index.js") } },
  test: {
    include: ["src/**/__tests__/**/*.test.ts", "test/**/*.test.ts"],
    setupFiles: ["reflect-metadata"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
