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
    });
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
        VOICECAST_TELEPHONY: "twilio",
        VOICECAST_LEASE_MS: "10",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["PORT", "DATABASE_URL", "REDIS_URL", "VOICECAST_ROLES", "VOICECAST_SIM_CALL_MS", "VOICECAST_TELEPHONY", "VOICECAST_LEASE_MS"]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain("VOICECAST_POLL_MS");
  });

  it("rejects a database URL without a database name", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://root@localhost:3306" })).toThrow(/DATABASE_URL: needs a database name/);
  });
});
