import { z } from "zod";

// The environment, parsed and validated once into a typed object; a bad value stops the process with one message
// naming every bad variable.

export type DatabaseKind = "sqlite" | "mysql" | "mariadb";
export interface DatabaseConfig {
  kind: DatabaseKind;
  url: string;
  /** sqlite only: file path, or ":memory:" */
  path?: string;
}

export type Role = "api" | "dispatcher";

export interface Config {
  port: number;
  database: DatabaseConfig;
  redisUrl: string | null;
  roles: Role[];
  bootstrapApiKey: string | null;
  telephony: string;
  simCallMs: number;
  progressIntervalMs: number;
  leaseMs: number;
  drainMs: number;
  pollMs: number;
  redisPrefix: string;
  /** Base URL at which a carrier reaches this deployment's webhooks (required with a carrier). */
  publicUrl: string | null;
  /** Most new calls per second across every dispatcher of the deployment; null: no limit. */
  callsPerSecond: number | null;
  /** Set when `telephony` is "twilio". */
  twilio: { accountSid: string; authToken: string; apiUrl: string } | null;
  /** Requests per second per API key; 0 turns the limit off. */
  rateLimit: number;
  logLevel: LogLevel;
  /** Where a process without the api role serves /metrics; null: not served. */
  metricsPort: number | null;
  /** Webhook deliveries: first retry delay (doubling up to maxRetryMs) and how long an endpoint has to answer. */
  webhooks: { retryMs: number; maxRetryMs: number; timeoutMs: number };
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const TELEPHONY_PROVIDERS = ["simulator", "twilio"] as const;

const intIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export function parseDatabaseUrl(url: string): DatabaseConfig {
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\//, "");
    if (!path) throw new Error("sqlite URL needs a path, e.g. sqlite:./data/voicecast.sqlite");
    return { kind: "sqlite", url, path };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("must be sqlite:<path>, mysql://user:pass@host:port/db or mariadb://user:pass@host:port/db");
  }
  const kind = parsed.protocol.replace(/:$/, "");
  if (kind !== "mysql" && kind !== "mariadb") {
    throw new Error(`unsupported scheme "${parsed.protocol}" (use sqlite:, mysql:// or mariadb://)`);
  }
  if (!parsed.hostname) throw new Error("needs a host");
  if (parsed.pathname.replace(/^\//, "") === "") throw new Error("needs a database name after the host");
  return { kind, url };
}

const schema = z.object({
  PORT: intIn(0, 65535).default(4000),
  DATABASE_URL: z
    .string()
    .default("sqlite:./data/voicecast.sqlite")
    .transform((v, ctx) => {
      try {
        return parseDatabaseUrl(v.trim());
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message });
        return z.NEVER;
      }
    }),
  REDIS_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^rediss?:\/\/[^/]+(\/\d+)?$/.test(v), "must be redis://host:port[/db]"),
  VOICECAST_ROLES: z
    .string()
    .default("api,dispatcher")
    .transform((v, ctx) => {
      const roles = v.split(",").map((r) => r.trim()).filter(Boolean);
      const bad = roles.filter((r) => r !== "api" && r !== "dispatcher");
      if (roles.length === 0 || bad.length > 0) {
        ctx.addIssue({ code: "custom", message: `must be a comma-separated list of api, dispatcher (got "${v}")` });
        return z.NEVER;
      }
      return [...new Set(roles)] as Role[];
    }),
  VOICECAST_BOOTSTRAP_API_KEY: z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || v.length >= 16, "must be at least 16 characters"),
  VOICECAST_TELEPHONY: z.enum(TELEPHONY_PROVIDERS, { message: `must be one of: ${TELEPHONY_PROVIDERS.join(", ")}` }).default("simulator"),
  VOICECAST_SIM_CALL_MS: intIn(0, 3_600_000).default(2000),
  VOICECAST_PROGRESS_INTERVAL_MS: intIn(0, 60_000).default(250),
  VOICECAST_LEASE_MS: intIn(100, 86_400_000).default(30_000),
  VOICECAST_DRAIN_MS: intIn(0, 3_600_000).default(30_000),
  VOICECAST_POLL_MS: intIn(1, 60_000).default(200),
  VOICECAST_REDIS_PREFIX: z.string().default("voicecast:"),
  VOICECAST_PUBLIC_URL: z
    .url({ protocol: /^https?$/, message: "must be an http(s) URL such as https://calls.example.com" })
    .transform((v) => v.replace(/\/+$/, ""))
    .optional(),
  VOICECAST_CALLS_PER_SECOND: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, "must be a positive number")
    .transform(Number)
    .pipe(z.number().positive("must be a positive number").max(10_000, "must be at most 10000"))
    .optional(),
  TWILIO_ACCOUNT_SID: z.string().trim().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().trim().min(1).optional(),
  TWILIO_API_URL: z
    .url({ protocol: /^https?$/, message: "must be an http(s) URL" })
    .transform((v) => v.replace(/\/+$/, ""))
    .default("https://api.twilio.com"),
  VOICECAST_RATE_LIMIT: intIn(0, 1_000_000).default(200),
  VOICECAST_LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of: ${LOG_LEVELS.join(", ")}` }).default("info"),
  VOICECAST_METRICS_PORT: intIn(1, 65535).optional(),
  VOICECAST_WEBHOOK_RETRY_MS: intIn(1, 3_600_000).default(5000),
  VOICECAST_WEBHOOK_MAX_RETRY_MS: intIn(1, 86_400_000).default(3_600_000),
  VOICECAST_WEBHOOK_TIMEOUT_MS: intIn(100, 300_000).default(10_000),
}).superRefine((e, ctx) => {
  if (e.VOICECAST_TELEPHONY !== "twilio") return;
  // A carrier needs an account and a public address for its webhooks: name every missing one at once.
  for (const key of ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "VOICECAST_PUBLIC_URL"] as const) {
    if (e[key] === undefined) ctx.addIssue({ code: "custom", path: [key], message: "is required when VOICECAST_TELEPHONY=twilio" });
  }
});

export class ConfigError extends Error {}

/** Parse the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset, as shells and compose files often leave them.
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  const e = result.data;
  return {
    port: e.PORT,
    database: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    roles: e.VOICECAST_ROLES,
    bootstrapApiKey: e.VOICECAST_BOOTSTRAP_API_KEY,
    telephony: e.VOICECAST_TELEPHONY,
    simCallMs: e.VOICECAST_SIM_CALL_MS,
    progressIntervalMs: e.VOICECAST_PROGRESS_INTERVAL_MS,
    leaseMs: e.VOICECAST_LEASE_MS,
    drainMs: e.VOICECAST_DRAIN_MS,
    pollMs: e.VOICECAST_POLL_MS,
    redisPrefix: e.VOICECAST_REDIS_PREFIX,
    publicUrl: e.VOICECAST_PUBLIC_URL ?? null,
    callsPerSecond: e.VOICECAST_CALLS_PER_SECOND ?? null,
    twilio:
      e.VOICECAST_TELEPHONY === "twilio" ? { accountSid: e.TWILIO_ACCOUNT_SID!, authToken: e.TWILIO_AUTH_TOKEN!, apiUrl: e.TWILIO_API_URL } : null,
    rateLimit: e.VOICECAST_RATE_LIMIT,
    logLevel: e.VOICECAST_LOG_LEVEL,
    metricsPort: e.VOICECAST_METRICS_PORT ?? null,
    webhooks: { retryMs: e.VOICECAST_WEBHOOK_RETRY_MS, maxRetryMs: e.VOICECAST_WEBHOOK_MAX_RETRY_MS, timeoutMs: e.VOICECAST_WEBHOOK_TIMEOUT_MS },
  };
}
