import type { Reader, Tx } from "../../db/db";
import type { ProgramExecution } from "../execution/execution.entity";
import { effectiveZones, inPauseWindow, openNow } from "../rules/rule-times";
import type { CallingHours } from "../rules/rules.schema";
import { zoneSets } from "../rules/rules.store";

// The calling rules, where contacts are claimed. Whether an execution may start calls now (not inside a pause window;
// under the organization's cap) and from which zone groups (the callee-local calling hours), decided per claim
// from a few rows, never per contact: a contact outside its hours is simply not in an open group, and costs nothing.

export interface OrganizationRules {
  timezone: string;
  maxConcurrentCalls: number | null;
}

export async function readOrganizationRules(r: Reader, organizationId: string, lock = false): Promise<OrganizationRules> {
  const [row] = await r.query<{ timezone: string; max_concurrent_calls: number | string | null }>(
    `SELECT timezone, max_concurrent_calls FROM organizations WHERE id = ?${lock ? r.dialect.lock() : ""}`,
    [organizationId],
  );
  return { timezone: row?.timezone ?? "UTC", maxConcurrentCalls: row?.max_concurrent_calls == null ? null : Number(row.max_concurrent_calls) };
}

/** Calls in progress across the organization's unfinished executions (read under the organization's row lock). */
export async function organizationCallsInProgress(tx: Tx, organizationId: string): Promise<number> {
  const [row] = await tx.query<{ n: number | string | null }>(
    "SELECT SUM(contacts_in_progress) AS n FROM program_executions WHERE organization_id = ? AND active_program_id IS NOT NULL",
    [organizationId],
  );
  return Number(row?.n ?? 0);
}

interface ZoneGroup {
  zoneKey: string;
  zones: string[];
}

/** Zone groups of executions: made at launch and never changed, so each is read once per process (bounded). */
export class ZoneGroups {
  private readonly cache = new Map<string, Promise<ZoneGroup[]>>();

  constructor(private readonly max = 1000) {}

  get(r: Reader, executionId: string): Promise<ZoneGroup[]> {
    let entry = this.cache.get(executionId);
    if (!entry) {
      entry = (async () => {
        const rows = await r.query<{ zone_key: string }>("SELECT zone_key FROM execution_zone_groups WHERE execution_id = ?", [executionId]);
        const sets = await zoneSets(r, rows.map((row) => String(row.zone_key)));
        return rows.map((row) => ({ zoneKey: String(row.zone_key), zones: sets.get(String(row.zone_key)) ?? [] }));
      })();
      entry.catch(() => this.cache.delete(executionId));
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(executionId, entry);
    }
    return entry;
  }
}

/** What a claim may take: nothing (`closed`), or contacts of these zone groups ("" is every contact without calling hours). */
export type ClaimScope = "closed" | string[];

// Whether a zone set shares an open moment takes a week's scan: remember the answer per hours, set and fallback zone.
const judged = new Map<string, readonly string[]>();
function judgedZones(hours: CallingHours, zoneKey: string, zones: string[], orgZone: string, now: number): readonly string[] {
  const key = `${JSON.stringify(hours)}|${zoneKey}|${orgZone}`;
  let z = judged.get(key);
  if (!z) {
    z = effectiveZones(hours, zones, orgZone, now);
    if (judged.size > 10_000) judged.clear();
    judged.set(key, z);
  }
  return z;
}

// Calling hours are whole minutes and zone offsets too: the open groups of an execution hold for a UTC minute.
const openThisMinute = new Map<string, string[]>();

export async function claimScope(r: Reader, groups: ZoneGroups, exec: ProgramExecution, orgZone: string, now: number): Promise<ClaimScope> {
  if (inPauseWindow(exec.pauseWindows, orgZone, now)) return "closed";
  const hours = exec.callingHours;
  if (!hours) return [""];
  const key = `${exec.id}|${orgZone}|${Math.floor(now / 60_000)}`;
  let open = openThisMinute.get(key);
  if (!open) {
    open = (await groups.get(r, exec.id)).filter((g) => openNow(hours, judgedZones(hours, g.zoneKey, g.zones, orgZone, now), now)).map((g) => g.zoneKey);
    if (openThisMinute.size > 1000) openThisMinute.clear();
    openThisMinute.set(key, open);
  }
  return open.length > 0 ? open : "closed";
}
