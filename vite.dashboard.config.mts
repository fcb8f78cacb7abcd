import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The dashboard: src/dashboard → dist/dashboard, served by the api role under /dashboard/. Preact's JSX goes
// through Vite's own transform (no plugin); everything is bundled, so the page works offline.
export default defineConfig({
  root: fileURLToPath(new URL("./src/dashboard", import.meta.url)),
  base: "/dashboard/",
  publicDir: false,
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("./dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
});
