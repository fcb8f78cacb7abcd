import { createPubSub } from "@graphql-yoga/subscription";
import type { ProgramExecution } from "../modules/execution/execution.entity";
import type { ExecutionChangeKind, ExecutionEventPublisher } from "./execution-events";

/** Typed topics: one channel per execution and one per organization, never one global channel. */
export interface ExecutionEvent {
  kind: ExecutionChangeKind;
  execution: ProgramExecution;
}

export const TOPICS = {
  execution: (executionId: string) => `execution:${executionId}`,
  organization: (organizationId: string) => `org:${organizationId}`,
};

/** The pub/sub type-graphql subscriptions read from (in-process here; Redis-backed in distributed mode). */
export interface EventBus extends ExecutionEventPublisher {
  subscribe(topic: string): AsyncIterable<ExecutionEvent>;
  close(): Promise<void>;
}

/** In-process bus for the embedded default (one process holds every role). */
export class InProcessEventBus implements EventBus {
  private readonly pubsub = createPubSub<Record<string, [ExecutionEvent]>>();

  publishExecution(execution: ProgramExecution, kind: ExecutionChangeKind): void {
    const event = { kind, execution };
    this.pubsub.publish(TOPICS.execution(execution.id), event);
    this.pubsub.publish(TOPICS.organization(execution.organizationId), event);
  }

  subscribe(topic: string): AsyncIterable<ExecutionEvent> {
    return this.pubsub.subscribe(topic);
  }

  async close(): Promise<void> {}
}
