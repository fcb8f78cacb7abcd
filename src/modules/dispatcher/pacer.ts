import type Redis from "ioredis";

// Calls per second across every dispatcher of a deployment. New calls are spaced evenly, one every 1/CPS second,
// from one "next free slot" shared through Redis (or held in memory by a lone process), so that no one-second window,
// wherever it starts, ever holds more than CPS new calls. A fixed-window or token-bucket limiter (such as
// rate-limiter-flexible's) would allow 2×CPS across a window edge, which a carrier counts as over its limit.

/** Slots are reserved at most this far ahead: a claim waits for its slot, never for long. */
const HORIZON_MS = 1000;
/** Spacing margin for jitter between the slot and the carrier receiving the request. */
const MARGIN = 0.01;

export interface Pacer {
  /** Reserves up to `n` slots within the next second; answers each slot's wait in ms from now, soonest first. */
  reserve(n: number): Promise<number[]>;
}

export const unlimitedPacer: Pacer = {
  reserve: async (n) => Array<number>(Math.max(0, n)).fill(0),
};

function spacingMs(callsPerSecond: number): number {
  return (1000 / callsPerSecond) * (1 + MARGIN);
}

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

export class MemoryPacer implements Pacer {
  private next = 0;
  private readonly spacing: number;

  constructor(callsPerSecond: number) {
    this.spacing = spacingMs(callsPerSecond);
  }

  async reserve(n: number): Promise<number[]> {
    const r = slots(Date.now(), this.next, this.spacing, n);
    this.next = r.next;
    return r.waits;
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

export class RedisPacer implements Pacer {
  private readonly spacing: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    callsPerSecond: number,
  ) {
    this.spacing = spacingMs(callsPerSecond);
  }

  async reserve(n: number): Promise<number[]> {
    if (n <= 0) return [];
    const waits = (await this.redis.eval(RESERVE_SCRIPT, 1, this.key, String(this.spacing), String(n), String(HORIZON_MS))) as string[];
    return waits.map(Number);
  }
}

