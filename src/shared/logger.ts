import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(name = "voicecast"): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" || process.env.VITEST ? "silent" : "info") });
}
