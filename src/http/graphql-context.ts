import type { Services } from "../services";

/** What every resolver gets: the caller's organization (authenticated before any resolver runs) and the services. */
export interface GraphQLContext {
  organizationId: string;
  services: Services;
}
