import { RedisPubSub } from "graphql-redis-subscriptions";
import { Redis, RedisOptions } from "ioredis";
import type { ProgramExecution } from "../modules/execution/execution.entity";
import type { Logger } from "../shared/logger";
import { eventPublished } from "../shared/metrics";
import type { ExecutionChangeKind } from "./execution-events";
import { BusSubscription, EventBus, ExecutionEvent, Topic, topicsFor } from "./pubsub";

const DATE_FIELDS = new Set(["scheduledStartAt", "scheduledStopAt", "actualStartAt", "actualEndAt", "createdAt", "updatedAt"]);

/** Snapshots travel as plain JSON; their instants come back as Dates. */
export function reviveDates(key: string, value: unknown): unknown {
  return typeof value === "string" && DATE_FIELDS.has(key) ? new Date(value) : value;
}

export interface RedisBusOptions {
  url: string;
  /** VOICECAST_REDIS_PREFIX: every channel name starts with it. */
  prefix: string;
  logger: Logger;
}

/**
 * graphql-redis-subscriptions on two ioredis connections (a subscribed connection can do nothing else). Both
 * reconnect forever; the subscriber re-subscribes on its own after a reconnect.
 */
export class RedisEventBus implements EventBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly pubsub: RedisPubSub;
  private readonly prefix: string;
  private readonly logger: Logger;
  private publishFailing = false;

  private constructor(opts: RedisBusOptions) {
    this.prefix = opts.prefix;
    this.logger = opts.logger;
    const common: RedisOptions = {
      // Connect explicitly: ioredis 5 can lose a SUBSCRIBE sent while the connection is still opening.
      lazyConnect: true,
      connectTimeout: 5000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    };
    // Publishes fail at once while Redis is away instead of queueing: a stale burst on reconnect helps nobody,
    // and the API processes' database polling delivers what was lost.
    this.publisher = new Redis(opts.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    // SUBSCRIBEs issued while Redis is away wait for it (no retry limit) rather than fail.
    this.subscriber = new Redis(opts.url, { ...common, enableReadyCheck: false, maxRetriesPerRequest: null });
    this.watch(this.publisher, "publisher");
    this.watch(this.subscriber, "subscriber");
    this.pubsub = new RedisPubSub({ publisher: this.publisher, subscriber: this.subscriber, reviver: reviveDates });
  }

  /** Connects both clients; a Redis that is down at start is logged and retried, not fatal (/readyz says so). */
  static async connect(opts: RedisBusOptions): Promise<RedisEventBus> {
    const bus = new RedisEventBus(opts);
    const results = await Promise.allSettled([bus.publisher.connect(), bus.subscriber.connect()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) opts.logger.warn({ err: failed.reason }, "Redis unreachable at start; retrying in the background");
    return bus;
  }

  publishExecution(execution: ProgramExecution, kind: ExecutionChangeKind): void {
    const event: ExecutionEvent = { kind, execution };
    // Called right after the commit: the lag is how long Redis takes to take the execution's own topic.
    const committedAt = performance.now();
    topicsFor(event).forEach((topic, i) => {
      this.pubsub.publish(this.prefix + topic, event).then(
        () => {
          this.publishFailing = false;
          if (i === 0) eventPublished(kind, performance.now() - committedAt);
        },
        (err) => {
          // Fire and forget: the commit stands, pollers catch up. Log once per outage, not once per event.
          if (!this.publishFailing) this.logger.warn({ err }, "Redis publish failed; subscribers will catch up from the database");
          this.publishFailing = true;
        },
      );
    });
  }

  subscribe(topic: Topic, onEvent: (event: ExecutionEvent) => void): BusSubscription {
    let closed = false;
    const id = this.pubsub.subscribe<ExecutionEvent>(this.prefix + topic, (event) => {
      if (closed || typeof event !== "object" || event === null || !event.execution) return;
      try {
        onEvent(event);
      } catch (err) {
        this.logger.error({ err, topic }, "execution event listener failed");
      }
    });
    const established = id.then(
      () => undefined,
      (err) => this.logger.warn({ err, topic }, "Redis SUBSCRIBE failed"),
    );
    return {
      established,
      close: () => {
        if (closed) return;
        closed = true;
        id.then(
          (n) => {
            try {
              this.pubsub.unsubscribe(n);
            } catch (err) {
              this.logger.debug({ err, topic }, "Redis UNSUBSCRIBE failed");
            }
          },
          () => undefined,
        );
      },
    };
  }

  async healthy(): Promise<boolean> {
    if (this.subscriber.status !== "ready" || this.publisher.status !== "ready") return false;
    return withTimeout(this.publisher.ping().then(() => true), 1000, false).catch(() => false);
  }

  async close(): Promise<void> {
    await Promise.all([closeClient(this.publisher), closeClient(this.subscriber)]);
  }

  /** Error listeners are mandatory (an unhandled "error" event kills the process); log outages, not each retry. */
  private watch(client: Redis, name: string): void {
    let down = false;
    client.on("error", (err) => {
      if (!down) this.logger.warn({ err, connection: name }, "Redis connection error; reconnecting");
      down = true;
    });
    client.on("ready", () => {
      if (down) this.logger.info({ connection: name }, "Redis connection restored");
      down = false;
    });
  }
}

async function closeClient(client: Redis): Promise<void> {
  // QUIT waits for Redis; when it is away, drop the socket instead of hanging the shutdown.
  if (client.status === "ready") await withTimeout(client.quit().catch(() => undefined), 1000, undefined);
  client.disconnect();
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
