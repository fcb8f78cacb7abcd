import { z } from "zod";
import type { Reader } from "../../db/db";
import { instant } from "../../shared/json-fields";
import { effectiveZones, inPauseWindow, nextOpening, openNow } from "../rules/rule-times";
import { organizationZone, zoneSets } from "../rules/rules.store";
import type { Program } from "./program.entity";

export const programPreviewSchema = z
  .object({
    totalContacts: z.number().int().describe("Contacts in the program's audience now"),
    suppressed: z.number().int().describe("Of them, those whose number is on the do-not-call list (a launch skips them)"),
    outsideCallingHoursNow: z.number().int().describe("Of the others, those outside their calling hours at this moment"),
    callableNow: z.number().int().describe("Contacts a launch now could call at once (caps aside): not listed, inside their hours, outside any pause window"),
    inPauseWindowNow: z.boolean().describe("Whether the program is inside one of its pause windows now"),
    nextCallableAt: instant
      .nullable()
      .describe("When the first contact could be called (now when callableNow > 0); null when no contact could be called in the next week"),
  })
  .describe("What a launch of the program would meet now, without launching it");
export type ProgramPreview = z.input<typeof programPreviewSchema>;

/** The audience as it is now, against the program's rules and the do-not-call list, counted in the database. */
export async function previewProgram(r: Reader, program: Program, now: number): Promise<ProgramPreview> {
  const orgZone = await organizationZone(r, program.organizationId);
  const [{ total }] = await r.query<{ total: number | string }>("SELECT COUNT(*) AS total FROM audience_contacts WHERE audience_id = ?", [program.audienceId]);
  const groups = await r.query<{ zone_key: string; n: number | string }>(
    `SELECT c.zone_key, COUNT(*) AS n FROM audience_contacts ac JOIN contacts c ON c.id = ac.contact_id
     LEFT JOIN dnc_numbers d ON d.organization_id = c.organization_id AND d.number = c.primary_phone
     WHERE ac.audience_id = ? AND d.number IS NULL GROUP BY c.zone_key`,
    [program.audienceId],
  );
  const callable = groups.reduce((sum, g) => sum + Number(g.n), 0);
  const hours = program.callingHours;
  const sets = hours ? await zoneSets(r, groups.map((g) => String(g.zone_key))) : new Map<string, string[]>();
  const judged = groups.map((g) => ({ n: Number(g.n), zones: hours ? effectiveZones(hours, sets.get(String(g.zone_key)) ?? [], orgZone, now) : [] }));
  const isOpen = (at: number, zones: readonly string[]) => !hours || openNow(hours, zones, at);
  const outside = judged.filter((g) => !isOpen(now, g.zones)).reduce((sum, g) => sum + g.n, 0);
  const inWindow = inPauseWindow(program.pauseWindows, orgZone, now);
  const callableNow = inWindow ? 0 : callable - outside;
  const anyOpen = (at: number) => !inPauseWindow(program.pauseWindows, orgZone, at) && judged.some((g) => g.n > 0 && isOpen(at, g.zones));
  const next = callable === 0 ? null : nextOpening(anyOpen, { hours, zones: [...new Set(judged.flatMap((g) => g.zones))], windows: program.pauseWindows, orgZone }, now);
  return {
    totalContacts: Number(total),
    suppressed: Number(total) - callable,
    outsideCallingHoursNow: outside,
    callableNow,
    inPauseWindowNow: inWindow,
    nextCallableAt: next === null ? null : new Date(next),
  };
}
