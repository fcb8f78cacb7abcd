import pino from "pino";
import type { LogLevel } from "../config/config";

export type Logger = pino.Logger;

/**
 * JSON lines on stdout. The level comes from config (VOICECAST_LOG_LEVEL), read once at start; tests pass "silent".
 * `err` values are serialised with their `cause` chain (pino's standard error serializer), so an error is logged
 * once, where it is handled, with what caused it.
 */
export function createLogger(level: LogLevel = "info", name = "voicecast"): Logger {
  return pino({ name, level });
}
