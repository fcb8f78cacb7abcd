import { randomUUID } from "node:crypto";
import type Redis from "ioredis";
import { sleep } from "../../shared/retry";

// Calls per second across every dispatcher of a deployment, in two steps. `reserve` spaces new calls evenly, one
// slot every 1/CPS second from one "next free slot" shared through Redis (or held in memory by a lone process), so
// calls go out smoothly. `admit`, right before each request, records its actual send time in a shared log and holds it
// while the last WINDOW_MS already saw CPS sends: a call that went out late (a busy event loop, a slow reply) can then
// never be followed too closely, so no one-second window, wherever it starts, holds more than CPS new calls. A
// fixed-window or token-bucket limiter (such as rate-limiter-flexible's) would allow 2×CPS across a window edge, which
// a carrier counts as over its limit.

/**
 * The admission window: one second plus room for the jitter between admission and the carrier receiving the request
 * (a process descheduled for a moment on a busy host: up to ~40 ms was seen on a loaded 2-core machine). The room
 * costs throughput: at most CPS × 1000 / WINDOW_MS calls per second, 95% of CPS.
 */
const WINDOW_MS = 1050;
/** Slots are reserved at most this far ahead: a claim waits for its slot, never for long. */
const HORIZON_MS = 1000;

export interface Pacer {
  /** Reserves up to `n` slots within the next second; answers each slot's wait in ms from now, soonest first. */
  reserve(n: number): Promise<number[]>;
  /** Resolves when one more call may go out now (and counts it); gives up when `signal` aborts. */
  admit(signal?: AbortSignal): Promise<void>;
}

export const unlimitedPacer: Pacer = {
  reserve: async (n) => Array<number>(Math.max(0, n)).fill(0),
  admit: async () => {},
};

/** Slots from `next`, `spacing` apart, that fall within the horizon of `now`. */
function slots(now: number, next: number, spacing: number, n: number): { waits: number[]; next: number } {
  const waits: number[] = [];
  let t = Math.max(now, next);
  while (waits.length < n && t - now <= HORIZON_MS) {
    waits.push(t - now);
    t += spacing;
  }
  return { waits, next: waits.length > 0 ? t : next };
}

/** Retries `tryAdmit` (which answers 0 when admitted, else how long to wait) until admitted or aborted. */
async function admitLoop(tryAdmit: () => Promise<number>, signal?: AbortSignal): Promise<void> {
  for (;;) {
    const wait = await tryAdmit();
    if (wait <= 0) return;
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    await sleep(wait, signal);
  }
}

export class MemoryPacer implements Pacer {
  private next = 0;
  private readonly spacing: number;
  private readonly sent: number[] = [];

  constructor(private readonly callsPerSecond: number) {
    this.spacing = WINDOW_MS / callsPerSecond;
  }

  async reserve(n: number): Promise<number[]> {
    const r = slots(Date.now(), this.next, this.spacing, n);
    this.next = r.next;
    return r.waits;
  }

  admit(signal?: AbortSignal): Promise<void> {
    return admitLoop(async () => {
      const now = Date.now();
      while (this.sent.length > 0 && this.sent[0] <= now - WINDOW_MS) this.sent.shift();
      if (this.sent.length < this.callsPerSecond) {
        this.sent.push(now);
        return 0;
      }
      return this.sent[0] + WINDOW_MS - now + 1;
    }, signal);
  }
}

// Redis's own clock, so dispatchers on hosts with skewed clocks share one timeline; waits are relative to it.
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local spacing = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local horizon = tonumber(ARGV[3])
local nextSlot = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextSlot)
local waits = {}
while #waits < n and slot - now <= horizon do
  waits[#waits + 1] = tostring(slot - now)
  slot = slot + spacing
end
if #waits > 0 then redis.call('SET', KEYS[1], tostring(slot), 'PX', 60000) end
return waits
`;

// A sliding log of send times: admitted when the window holds fewer than the limit, else the wait until its oldest leaves.
const ADMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - now + 1
`;

export class RedisPacer implements Pacer {
  private readonly spacing: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly callsPerSecond: number,
  ) {
    this.spacing = WINDOW_MS / callsPerSecond;
  }

  async reserve(n: number): Promise<number[]> {
    if (n <= 0) return [];
    const waits = (await this.redis.eval(RESERVE_SCRIPT, 1, `${this.key}:next`, String(this.spacing), String(n), String(HORIZON_MS))) as string[];
    return waits.map(Number);
  }

  admit(signal?: AbortSignal): Promise<void> {
    return admitLoop(async () => Number(await this.redis.eval(ADMIT_SCRIPT, 1, `${this.key}:sent`, String(WINDOW_MS), String(this.callsPerSecond), randomUUID())), signal);
  }
}
