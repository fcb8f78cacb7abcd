import type { MigrationInterface } from "typeorm";
import { Round21796132251453 } from "./1796132251453-Round2";
import { Initial1795953065152 } from "./1795953065152-Initial";

// Append-only: add new migrations at the end, never edit one that has shipped.
export const MYSQL_MIGRATIONS: Array<new () => MigrationInterface> = [Initial1795953065152, Round21796132251453];
