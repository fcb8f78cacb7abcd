import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExecutionStatus, ProgramExecution } from "../../modules/execution/execution.entity";
import { ExecutionChannel, ProgressWatcher } from "../execution-feeds";
import { InProcessEventBus } from "../pubsub";
import { SnapshotStream } from "../snapshot-stream";

const ID = "11111111-1111-4111-8111-111111111111";

function snap(sequence: number, status = ExecutionStatus.RUNNING, finished = false): ProgramExecution {
  return { id: ID, organizationId: "org", status, sequence, actualEndAt: finished ? new Date(0) : null } as ProgramExecution;
}

/** A channel with one watcher whose stream is drained into `seen` as a client would read it. */
function setup(intervalMs = 100, graceMs = 50) {
  const bus = new InProcessEventBus();
  const channel = new ExecutionChannel(bus, ID, intervalMs, graceMs);
  const seen: number[] = [];
  const watcher = new ProgressWatcher(new SnapshotStream(() => undefined));
  channel.watchers.add(watcher);
  // A reader like graphql-ws: one loop over the stream; drain() lets it take what is queued.
  void (async () => {
    for await (const s of watcher.stream) seen.push(s.sequence);
  })();
  const drain = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { bus, channel, watcher, seen, drain };
}

describe("ExecutionChannel: coalescing and ordering", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the leading counter-only snapshot at once, then at most one per interval with the latest on the trailing edge", async () => {
    const { channel, seen, drain } = setup(100);
    channel.offer(snap(1));
    for (let s = 2; s <= 10; s++) channel.offer(snap(s));
    await drain();
    expect(seen).toEqual([1]);
    await vi.advanceTimersByTimeAsync(99);
    await drain();
    expect(seen).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    await drain();
    expect(seen).toEqual([1, 10]);
  });

  it("never merges a status change: each goes out at once, also inside a counter burst", async () => {
    const { channel, seen, drain } = setup(100);
    channel.offer(snap(1));
    channel.offer(snap(2));
    channel.offer(snap(3, ExecutionStatus.PAUSED), "status");
    channel.offer(snap(4, ExecutionStatus.RUNNING), "status");
    // Unlabelled (read from the database) but a different status: still a status change.
    channel.offer(snap(5, ExecutionStatus.CANCELLED));
    await drain();
    expect(seen).toEqual([1, 3, 4, 5]);
  });

  it("drops stale and duplicate sequences", async () => {
    const { channel, seen, drain } = setup(0);
    channel.offer(snap(5));
    channel.offer(snap(5));
    channel.offer(snap(3));
    channel.offer(snap(6));
    await drain();
    expect(seen).toEqual([5, 6]);
  });

  it("a database snapshot waits out the grace, and is dropped if the bus brought it (or newer) meanwhile", async () => {
    const { channel, seen, drain } = setup(0, 50);
    channel.offerFromDatabase(snap(2));
    channel.offer(snap(2), "progress");
    await vi.advanceTimersByTimeAsync(50);
    channel.offerFromDatabase(snap(3));
    await vi.advanceTimersByTimeAsync(49);
    await drain();
    expect(seen).toEqual([2]);
    await vi.advanceTimersByTimeAsync(1);
    await drain();
    expect(seen).toEqual([2, 3]);
  });

  it("ends the watcher's stream after the finished snapshot", async () => {
    const { channel, watcher, seen, drain } = setup(100);
    channel.offer(snap(1));
    channel.offer(snap(2, ExecutionStatus.COMPLETED, true), "status");
    channel.offer(snap(3));
    await drain();
    expect(seen).toEqual([1, 2]);
    expect(watcher.stream.isEnding).toBe(true);
  });
});

describe("SnapshotStream", () => {
  it("a reader that falls behind gets the newest counters but every status change", async () => {
    const stream = new SnapshotStream(() => undefined);
    for (const [seq, status] of [
      [1, ExecutionStatus.RUNNING],
      [2, ExecutionStatus.RUNNING],
      [3, ExecutionStatus.PAUSED],
      [4, ExecutionStatus.RUNNING],
      [5, ExecutionStatus.RUNNING],
    ] as const)
      stream.push(snap(seq, status));
    stream.end();
    const got: number[] = [];
    for await (const s of stream) got.push(s.sequence);
    expect(got).toEqual([2, 3, 5]);
  });

  it("return() drops what is queued and releases once", async () => {
    const release = vi.fn();
    const stream = new SnapshotStream(release);
    stream.push(snap(1));
    await stream.return();
    await stream.return();
    expect(release).toHaveBeenCalledTimes(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
