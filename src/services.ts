import type { Db } from "./db/db";
import { AudienceService } from "./modules/audience/audience.service";
import { ContactService } from "./modules/contact/contact.service";
import { DidService } from "./modules/did/did.service";
import { DncService } from "./modules/dnc/dnc.service";
import { ExecutionExports } from "./modules/execution/execution-export";
import { ExecutionService } from "./modules/execution/execution.service";
import { ExecutionResultsService } from "./modules/execution/execution-results.service";
import { EventService } from "./modules/events/event.service";
import { FlowService } from "./modules/flow/flow.service";
import { OrganizationService } from "./modules/organization/organization.service";
import { ProgramService } from "./modules/program/program.service";
import { WebhookService } from "./modules/webhook/webhook.service";
import type { ExecutionEventPublisher } from "./pubsub/execution-events";
import type { Clock } from "./shared/clock";

/** The shared services both doors (GraphQL and REST) call: one set of rules. */
export interface Services {
  organizations: OrganizationService;
  contacts: ContactService;
  dids: DidService;
  dnc: DncService;
  audiences: AudienceService;
  flows: FlowService;
  programs: ProgramService;
  executions: ExecutionService;
  /** CSV/NDJSON exports of an execution's contacts and call attempts. */
  exports: ExecutionExports;
  /** An execution's report and relaunch. */
  results: ExecutionResultsService;
  /** An execution's event log. */
  events: EventService;
  webhooks: WebhookService;
}

export interface ServiceOptions {
  /** Calls go through a carrier (real caller IDs and carrier-playable audio are then required at launch). */
  carrier: boolean;
}

export function createServices(db: Db, clock: Clock, events: ExecutionEventPublisher, options: ServiceOptions = { carrier: false }): Services {
  const dids = new DidService(db, clock);
  const executions = new ExecutionService(db, clock, events, options.carrier ? dids : null);
  return {
    organizations: new OrganizationService(db, clock),
    contacts: new ContactService(db, clock),
    dids,
    dnc: new DncService(db, clock),
    audiences: new AudienceService(db, clock),
    flows: new FlowService(db, clock),
    programs: new ProgramService(db, clock, dids),
    executions,
    exports: new ExecutionExports(db, executions),
    results: new ExecutionResultsService(db, executions),
    events: new EventService(db),
    webhooks: new WebhookService(db, clock),
  };
}
