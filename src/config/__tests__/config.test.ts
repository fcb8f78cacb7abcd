import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config";

describe("loadConfig", () => {
  it("applies the contract's defaults", () => {
    const c = loadConfig({});
    expect(c).toEqual({
      port: 4000,
      database: { kind: "sqlite", url: "sqlite:./data/voicecast.sqlite", path: "./data/voicecast.sqlite" },
      redisUrl: null,
      roles: ["api", "dispatcher"],
      bootstrapApiKey: null,
      telephony: "simulator",
      simCallMs: 2000,
      progressIntervalMs: 250,
      leaseMs: 30000,
      drainMs: 30000,
      pollMs: 200,
      redisPrefix: "voicecast:",
      publicUrl: null,
      callsPerSecond: null,
      twilio: null,
      rateLimit: 200,
      logLevel: "info",
      metricsPort: null,
      webhooks: { retryMs: 5000, maxRetryMs: 3_600_000, timeoutMs: 10_000 },
    });
  });

  it("reads the rate limit (0 turns it off), the log level and the metrics port", () => {
    const c = loadConfig({ VOICECAST_RATE_LIMIT: "0", VOICECAST_LOG_LEVEL: "warn", VOICECAST_METRICS_PORT: "9464" });
    expect([c.rateLimit, c.logLevel, c.metricsPort]).toEqual([0, "warn", 9464]);
  });

  it("parses MySQL and MariaDB URLs and roles", () => {
    const c = loadConfig({ DATABASE_URL: "mariadb://root@127.0.0.1:3306/vc", VOICECAST_ROLES: "dispatcher", REDIS_URL: "redis://127.0.0.1:6379/2" });
    expect(c.database.kind).toBe("mariadb");
    expect(c.roles).toEqual(["dispatcher"]);
    expect(c.redisUrl).toBe("redis://127.0.0.1:6379/2");
    expect(loadConfig({ DATABASE_URL: "mysql://u:p@db:3306/x" }).database.kind).toBe("mysql");
  });

  it("names every bad variable in one message", () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: "abc",
        DATABASE_URL: "postgres://x/y",
        REDIS_URL: "http://nope",
        VOICECAST_ROLES: "api,web",
        VOICECAST_SIM_CALL_MS: "-5",
        VOICECAST_TELEPHONY: "sip",
        VOICECAST_LEASE_MS: "10",
        VOICECAST_RATE_LIMIT: "fast",
        VOICECAST_LOG_LEVEL: "loud",
        VOICECAST_METRICS_PORT: "0",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["PORT", "DATABASE_URL", "REDIS_URL", "VOICECAST_ROLES", "VOICECAST_SIM_CALL_MS", "VOICECAST_TELEPHONY", "VOICECAST_LEASE_MS", "VOICECAST_RATE_LIMIT", "VOICECAST_LOG_LEVEL", "VOICECAST_METRICS_PORT"]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain("VOICECAST_POLL_MS");
  });

  it("a carrier needs its account and public URL: every missing one is named", () => {
    expect(() => loadConfig({ VOICECAST_TELEPHONY: "twilio", TWILIO_ACCOUNT_SID: "AC1" })).toThrow(
      /TWILIO_AUTH_TOKEN: is required when VOICECAST_TELEPHONY=twilio\n\s+VOICECAST_PUBLIC_URL: is required/,
    );
    const c = loadConfig({ VOICECAST_TELEPHONY: "twilio", TWILIO_ACCOUNT_SID: "AC1", TWILIO_AUTH_TOKEN: "t", VOICECAST_PUBLIC_URL: "https://calls.example.com/", VOICECAST_CALLS_PER_SECOND: "5" });
    expect(c).toMatchObject({ publicUrl: "https://calls.example.com", callsPerSecond: 5, twilio: { accountSid: "AC1", authToken: "t", apiUrl: "https://api.twilio.com" } });
    expect(() => loadConfig({ VOICECAST_CALLS_PER_SECOND: "0" })).toThrow(/VOICECAST_CALLS_PER_SECOND: must be a positive number/);
  });

  it("rejects a database URL without a database name", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://root@localhost:3306" })).toThrow(/DATABASE_URL: needs a database name/);
  });
});
