// The one retry loop of the code base: database deadlocks, results held through a database outage, carrier back-off
// all go through here, with the delay policy as a parameter.

export interface RetryOptions {
  /** Tries in all, the first included (Infinity: until it succeeds or `retryIf` says no). */
  attempts: number;
  /** Whether this error is worth another try. */
  retryIf: (err: unknown) => boolean;
  /** Delay before try `attempt + 1`, given the 1-based number of the try that failed. */
  delayMs: (attempt: number) => number;
  onRetry?: (err: unknown, attempt: number) => void;
  /** Stops waiting and gives up with the last error once aborted. */
  signal?: AbortSignal;
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= o.attempts || !o.retryIf(err) || o.signal?.aborted) throw err;
      o.onRetry?.(err, attempt);
      await sleep(o.delayMs(attempt), o.signal);
    }
  }
}

/** Exponential back-off: `baseMs`, doubling per try, at most `capMs`; `jitter` spreads concurrent retriers. */
export function backoff(baseMs: number, capMs: number, jitter = false): (attempt: number) => number {
  return (attempt) => {
    const ms = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
    return jitter ? Math.floor(ms / 2 + Math.random() * (ms / 2)) : ms;
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
