import type { MigrationInterface } from "typeorm";
import { Round21796130104817 } from "./1796130104817-Round2";
import { Initial1795953065152 } from "./1795953065152-Initial";

// Append-only: add new migrations at the end, never edit one that has shipped.
export const SQLITE_MIGRATIONS: Array<new () => MigrationInterface> = [Initial1795953065152, Round21796130104817];
