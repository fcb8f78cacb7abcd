import { existsSync } from "node:fs";
import { join, sep } from "node:path";
import express from "express";
import { DomainError } from "../shared/errors";
import { toRestError } from "./error-mapping";

/** The repository root, from this file compiled (dist/src/http) or run from source (src/http). */
const ROOT = __dirname.split(sep).includes("dist") ? join(__dirname, "..", "..", "..") : join(__dirname, "..", "..");

/** Where `npm run build` writes the dashboard's static files. */
export const DASHBOARD_DIR = join(ROOT, "dist", "dashboard");

function sendError(res: express.Response, err: DomainError): void {
  const { status, body } = toRestError(err, () => undefined);
  res.status(status).json(body);
}

/**
 * Serves the dashboard: its built files under /dashboard/, its index.html for the client's own routes (such as
 * /dashboard/executions/{id}), and `/` redirects there. The page itself talks to /graphql only. Without a build,
 * /dashboard/ answers a JSON 404 that says how to build it.
 */
export function mountDashboard(app: express.Express, dir: string = DASHBOARD_DIR): void {
  const index = join(dir, "index.html");
  app.get("/", (_req, res) => res.redirect(302, "/dashboard/"));
  // Routing ignores a trailing slash: only the bare path is redirected, or "/dashboard/" would loop.
  app.get("/dashboard", (req, res, next) => (req.path === "/dashboard" ? res.redirect(301, "/dashboard/") : next()));
  app.use(
    "/dashboard/assets",
    // File names carry a content hash: cache them for good.
    express.static(join(dir, "assets"), { immutable: true, maxAge: "1y", index: false, fallthrough: true }),
    (req: express.Request, res: express.Response) => sendError(res, new DomainError("NOT_FOUND", `No dashboard file at /dashboard/assets${req.path}`)),
  );
  app.use("/dashboard", express.static(dir, { index: false, fallthrough: true }));
  app.get("/dashboard/{*route}", (_req, res) => {
    // Checked per request: a build made while the server runs is picked up.
    if (!existsSync(index)) return sendError(res, new DomainError("NOT_FOUND", "The dashboard is not built: run npm run build"));
    res.setHeader("cache-control", "no-cache");
    res.sendFile(index);
  });
}
