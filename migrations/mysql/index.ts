import type { MigrationInterface } from "typeorm";
import { WebhookDiscoveryIndexes1796143697561 } from "./1796143697561-WebhookDiscoveryIndexes";
import { ReportIndex1796139834920 } from "./1796139834920-ReportIndex";
import { ContactZones1796133260723 } from "./1796133260723-ContactZones";
import { Webhooks1796133260730 } from "./1796133260730-Webhooks";
import { CallAttemptOrder1796133260740 } from "./1796133260740-CallAttemptOrder";
import { Round21796133260722 } from "./1796133260722-Round2";
import { Initial1795953065152 } from "./1795953065152-Initial";

// Append-only: add new migrations at the end, never edit one that has shipped.
export const MYSQL_MIGRATIONS: Array<new () => MigrationInterface> = [Initial1795953065152, Round21796133260722, ContactZones1796133260723, Webhooks1796133260730, CallAttemptOrder1796133260740, ReportIndex1796139834920, WebhookDiscoveryIndexes1796143697561];
