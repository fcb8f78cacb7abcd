import type { ExecutionFeeds } from "../pubsub/execution-feeds";
import type { Services } from "../services";

/** What every resolver gets: the caller's organization (authenticated before any resolver runs) and the services. */
export interface GraphQLContext {
  organizationId: string;
  services: Services;
  /** The live feeds subscriptions read from (set on WebSocket operations). */
  live?: ExecutionFeeds;
}
