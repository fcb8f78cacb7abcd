import Redis from "ioredis";
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryPacer, Pacer, RedisPacer } from "../../src/modules/dispatcher/pacer";
import { SERVER_REDIS_URL } from "../support/targets";

/**
 * Sends "calls" for `ms` of real time from several pacers at once, as a dispatcher does (reserve slots, wait for each,
 * admit, send), with a random stall before some sends, and answers the send times.
 */
async function collect(pacers: Pacer[], ms: number): Promise<number[]> {
  const times: number[] = [];
  const until = Date.now() + ms;
  const sends: Promise<void>[] = [];
  await Promise.all(
    pacers.map(async (p) => {
      while (Date.now() < until) {
        const waits = await p.reserve(3);
        for (const wait of waits) {
          sends.push(
            (async () => {
              await new Promise((r) => setTimeout(r, wait + (Math.random() < 0.2 ? 60 : 0))); // a late one now and then
              await p.admit();
              times.push(Date.now());
            })(),
          );
        }
        await new Promise((r) => setTimeout(r, 30 + Math.random() * 40));
      }
    }),
  );
  await Promise.all(sends);
  return times.sort((a, b) => a - b);
}

/** The most slots any one-second window [t, t + 1000) holds. */
function busiestSecond(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j] <= times[i] - 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("calls-per-second pacing", () => {
  it("in memory: slots are spaced evenly, never more than CPS in any one-second window, and close to CPS overall", async () => {
    const times = await collect([new MemoryPacer(5)], 3000);
    expect(busiestSecond(times)).toBeLessThanOrEqual(5);
    expect(times.length).toBeGreaterThanOrEqual(14); // ~5/s over 3 s (slots reach 1 s ahead)
  });

  it("admits at most CPS sends in any window, however they bunch up", async () => {
    const pacer = new MemoryPacer(3);
    const started = Date.now();
    const times = await Promise.all(Array.from({ length: 7 }, async () => (await pacer.admit(), Date.now() - started)));
    expect(busiestSecond(times.sort((a, b) => a - b))).toBeLessThanOrEqual(3);
    expect(times[6]).toBeGreaterThanOrEqual(2000);
  });

  it("reserves nothing beyond one second ahead", async () => {
    const pacer = new MemoryPacer(2);
    expect(await pacer.reserve(10)).toHaveLength(2);
    expect(await pacer.reserve(10)).toHaveLength(0);
  });

  describe.skipIf(!SERVER_REDIS_URL)("through Redis (several dispatchers)", () => {
    const clients: Redis[] = [];
    afterAll(() => clients.forEach((c) => c.disconnect()));

    it("three processes' pacers share one budget: never more than CPS in any one-second window", async () => {
      const key = `voicecast-test:cps:${randomUUID()}`;
      const pacers = [0, 1, 2].map(() => {
        const c = new Redis(SERVER_REDIS_URL!);
        clients.push(c);
        return new RedisPacer(c, key, 5);
      });
      const times = await collect(pacers, 3000);
      expect(busiestSecond(times)).toBeLessThanOrEqual(5);
      expect(times.length).toBeGreaterThanOrEqual(14);
    });
  });
});
