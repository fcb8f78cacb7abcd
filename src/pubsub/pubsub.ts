import type { ProgramExecution } from "../modules/execution/execution.entity";
import { eventPublished } from "../shared/metrics";
import type { ExecutionChangeKind, ExecutionEventPublisher } from "./execution-events";

/** What travels on a topic: a full snapshot read in the committing transaction, and why it was published. */
export interface ExecutionEvent {
  kind: ExecutionChangeKind;
  execution: ProgramExecution;
}

/** Typed topics: one channel per execution and one per organization, never one global channel. */
export type Topic = `execution:${string}` | `org:${string}`;

export const TOPICS = {
  execution: (executionId: string): Topic => `execution:${executionId}`,
  organization: (organizationId: string): Topic => `org:${organizationId}`,
};

/**
 * The organization topic carries launches and status changes only (the list view's feed); counter-only progress
 * goes to the execution topic alone, so a busy execution does not flood every process that watches its org.
 */
export function topicsFor(event: ExecutionEvent): Topic[] {
  const execution = TOPICS.execution(event.execution.id);
  return event.kind === "progress" ? [execution] : [execution, TOPICS.organization(event.execution.organizationId)];
}

export interface BusSubscription {
  /** Settles once the transport delivers the topic's events (Redis: SUBSCRIBE acknowledged); never rejects. */
  readonly established: Promise<void>;
  close(): void;
}

/**
 * Pub/sub between the processes that commit changes and the API processes that relay them. publishExecution never
 * throws and never waits for the transport (a failed publish must not fail or delay a commit).
 */
export interface EventBus extends ExecutionEventPublisher {
  subscribe(topic: Topic, onEvent: (event: ExecutionEvent) => void): BusSubscription;
  /** Readiness: whether the transport is reachable. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

/** In-process bus for the embedded default (one process holds every role). */
export class InProcessEventBus implements EventBus {
  private readonly listeners = new Map<Topic, Set<(event: ExecutionEvent) => void>>();

  constructor(private readonly log: (msg: string, err: unknown) => void = () => {}) {}

  publishExecution(execution: ProgramExecution, kind: ExecutionChangeKind): void {
    const event: ExecutionEvent = { kind, execution };
    eventPublished(kind, 0); // handed over at once; delivery follows on the next microtasks
    for (const topic of topicsFor(event)) {
      const set = this.listeners.get(topic);
      if (!set) continue;
      // Delivered on a later tick, like a real transport: subscriber code never runs inside the committer's call.
      for (const listener of [...set]) {
        queueMicrotask(() => {
          try {
            listener(event);
          } catch (err) {
            this.log("execution event listener failed", err);
          }
        });
      }
    }
  }

  subscribe(topic: Topic, onEvent: (event: ExecutionEvent) => void): BusSubscription {
    let active = true;
    // An event already queued when the subscription closes is dropped, as Redis would after UNSUBSCRIBE.
    const listener = (event: ExecutionEvent) => {
      if (active) onEvent(event);
    };
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return {
      established: Promise.resolve(),
      close: () => {
        active = false;
        set.delete(listener);
        if (set.size === 0 && this.listeners.get(topic) === set) this.listeners.delete(topic);
      },
    };
  }

  async healthy(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
