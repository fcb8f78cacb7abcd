import { createHash } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Redis } from "ioredis";
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitedError } from "../shared/errors";
import { rateLimited } from "../shared/metrics";
import { apiKeyFrom } from "./auth";

/** Requests per second per API key (VOICECAST_RATE_LIMIT), shared by every process of a deployment through Redis. */
export interface KeyRateLimiter {
  readonly perSecond: number;
  /** Takes one request from the key's budget for this second; throws RateLimitedError (with Retry-After) when over. */
  consume(apiKey: string): Promise<void>;
}

export interface RateLimiterOptions {
  /** 0: no limit (createKeyRateLimiter answers null). */
  perSecond: number;
  /** Shared budget across processes; without it each process counts on its own. */
  redis?: Redis | null;
  redisPrefix?: string;
}

/**
 * The limiter's key for an API key: a hash, so neither Redis nor a memory dump ever holds a key, and not the
 * SHA-256 the api_keys table stores, so the limiter's keys cannot be used to look a key up either.
 */
export function limiterKey(apiKey: string): string {
  return createHash("sha256").update("voicecast:rate-limit:").update(apiKey).digest("base64url").slice(0, 22);
}

export function createKeyRateLimiter(opts: RateLimiterOptions): KeyRateLimiter | null {
  const perSecond = opts.perSecond;
  if (perSecond <= 0) return null;
  // Fixed one-second windows. While Redis is away each process falls back to counting on its own (the insurance
  // limiter), so a Redis outage neither lets floods through nor refuses everyone.
  const memory = new RateLimiterMemory({ points: perSecond, duration: 1 });
  const limiter: RateLimiterAbstract = opts.redis
    ? new RateLimiterRedis({
        storeClient: opts.redis,
        points: perSecond,
        duration: 1,
        keyPrefix: `${opts.redisPrefix ?? "voicecast:"}rate-limit`,
        insuranceLimiter: memory,
        rejectIfRedisNotReady: true,
      })
    : memory;
  return {
    perSecond,
    async consume(apiKey: string): Promise<void> {
      try {
        await limiter.consume(limiterKey(apiKey));
      } catch (err) {
        if (err instanceof RateLimiterRes) throw new RateLimitedError(perSecond, Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
        // Both stores failed: serve the request rather than refuse it for a fault of ours.
      }
    },
  };
}

/** Express middleware: requests that carry a key spend one unit of its budget before anything else runs. */
export function rateLimitRequests(limiter: KeyRateLimiter | null) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const key = limiter && apiKeyFrom(req.headers);
    if (key) {
      try {
        await limiter.consume(key);
      } catch (err) {
        rateLimited("http");
        throw err;
      }
    }
    next();
  };
}
