import { z } from "zod";

// The calling rules a program carries, described once: pause windows (when the program may not start calls, in the
// organization's time zone), callee-local calling hours, and auto-pause rules. Times of day are wall-clock times in
// the zone named, [start, end), with no wrap past midnight (an overnight window is two windows).

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hour = z
  .number({ error: "must be a whole number from 0 to 23" })
  .int("must be a whole number from 0 to 23")
  .min(0, "must be a whole number from 0 to 23")
  .max(23, "must be a whole number from 0 to 23")
  .describe("Hour, 0–23");
const minute = z
  .number({ error: "must be a whole number from 0 to 59" })
  .int("must be a whole number from 0 to 59")
  .min(0, "must be a whole number from 0 to 59")
  .max(59, "must be a whole number from 0 to 59")
  .describe("Minute, 0–59");

export const timeOfDaySchema = z.strictObject({ hour, minute }).describe("A wall-clock time of day");
export type TimeOfDay = z.output<typeof timeOfDaySchema>;

const minutesOf = (t: TimeOfDay) => t.hour * 60 + t.minute;
/** A window's order is judged only once both its times are valid (each bad time is reported on its own). */
const validTime = (t: TimeOfDay) => Number.isInteger(t.hour) && t.hour >= 0 && t.hour <= 23 && Number.isInteger(t.minute) && t.minute >= 0 && t.minute <= 59;

export const weekdayWindowSchema = z
  .strictObject({
    startAt: timeOfDaySchema.describe("When the window opens (inclusive)"),
    endAt: timeOfDaySchema.describe("When it closes (exclusive); after startAt on the same day"),
  })
  .refine((w) => !validTime(w.startAt) || !validTime(w.endAt) || minutesOf(w.endAt) > minutesOf(w.startAt), {
    message: "must be after startAt (an overnight window is two windows)",
    path: ["endAt"],
  })
  .describe("A window on a weekday, in the organization's time zone");

/** An instant as a client writes it: ISO-8601 with an offset (`Z` or ±hh:mm), normalised to UTC with milliseconds. */
export const instantWithOffset = z
  .string({ error: "must be an ISO-8601 date-time with an offset, such as 2030-01-20T09:00:00Z" })
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: "must be an ISO-8601 date-time with an offset (Z or ±hh:mm), such as 2030-01-20T09:00:00Z",
  })
  .transform((s) => new Date(s).toISOString());

export const advancedWindowSchema = z
  .strictObject({
    startAt: instantWithOffset.describe("When the window opens (inclusive), ISO-8601 with an offset"),
    endAt: instantWithOffset.describe("When it closes (exclusive), ISO-8601 with an offset; after startAt"),
  })
  .refine((w) => Number.isNaN(Date.parse(w.endAt)) || Number.isNaN(Date.parse(w.startAt)) || Date.parse(w.endAt) > Date.parse(w.startAt), { message: "must be after startAt", path: ["endAt"] })
  .describe("A window between two instants (holidays, events)");

const weekdayWindows = (day: Weekday) => z.array(weekdayWindowSchema, { error: "must be an array of windows" }).optional().describe(`Windows on ${day[0].toUpperCase()}${day.slice(1)}s`);

export const pauseWindowsSchema = z
  .strictObject({
    monday: weekdayWindows("monday"),
    tuesday: weekdayWindows("tuesday"),
    wednesday: weekdayWindows("wednesday"),
    thursday: weekdayWindows("thursday"),
    friday: weekdayWindows("friday"),
    saturday: weekdayWindows("saturday"),
    sunday: weekdayWindows("sunday"),
    advanced: z.array(advancedWindowSchema, { error: "must be an array of windows" }).optional().describe("Windows between two instants"),
  })
  .describe("When no new call starts (calls in progress finish; the execution stays running): weekday windows in the organization's time zone, and windows between two instants");
export type PauseWindows = z.output<typeof pauseWindowsSchema>;

const hhmm = z
  .string({ error: "must be a time of day HH:MM, 00:00 to 23:59" })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time of day HH:MM, 00:00 to 23:59");

export const callingHoursSchema = z
  .strictObject({
    start: hhmm.describe("When callees may first be called, HH:MM in the callee's local time (inclusive)"),
    end: hhmm.describe("When the last call may start, HH:MM in the callee's local time (exclusive); after start"),
    days: z
      .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(", ")}` }), { error: "must be an array of weekdays" })
      .min(1, "must name at least one day (leave days out for every day)")
      .optional()
      .describe("The callee's local weekdays calls may happen on (default: every day)"),
  })
  .refine((h) => !/^\d\d:\d\d$/.test(h.start) || !/^\d\d:\d\d$/.test(h.end) || h.start > "23:59" || h.end > "23:59" || h.end > h.start, {
    message: "must be after start (no wrap past midnight)",
    path: ["end"],
  })
  .describe(
    "When each callee may be called, in their own local time: the time zones of their number (all of them, for a number with several); a number with no zone, or whose zones never share an open moment, uses the organization's zone",
  );
export type CallingHours = z.output<typeof callingHoursSchema>;

export const autoPauseRuleSchema = z
  .strictObject({
    nodeId: z.string({ error: "must be a node id" }).min(1, "must be a node id").describe("The flow node whose runs are counted (a node of the flow version the execution runs)"),
    threshold: z
      .number({ error: "must be a whole number of at least 1" })
      .int("must be a whole number of at least 1")
      .min(1, "must be a whole number of at least 1")
      .describe("The count of runs at which the running execution pauses"),
    resetOnResume: z.boolean({ error: "must be true or false" }).default(false).describe("Whether resuming sets this node's count back to 0 (default false)"),
  })
  .describe("Pause the execution when a node has run this many times, across all its calls");
export type AutoPauseRule = z.output<typeof autoPauseRuleSchema>;

export const autoPauseRulesSchema = z.array(autoPauseRuleSchema, { error: "must be an array of rules" }).max(100, "must hold at most 100 rules");

/** Problems with rules that name nodes, against a flow's node ids. */
export function unknownRuleNodes(rules: readonly AutoPauseRule[], nodeIds: ReadonlySet<string>, field: string): Array<{ field: string; message: string }> {
  return rules.flatMap((r, i) => (nodeIds.has(r.nodeId) ? [] : [{ field: `${field}[${i}].nodeId`, message: `no node ${JSON.stringify(r.nodeId)} in the flow` }]));
}

// What the API answers: the same shapes, as stored (instants already normalised), without input rules.
export const timeOfDayOut = z.object({ hour: z.number().int().describe("Hour, 0–23"), minute: z.number().int().describe("Minute, 0–59") }).describe("A wall-clock time of day");
export const weekdayWindowOut = z
  .object({ startAt: timeOfDayOut.describe("When the window opens (inclusive)"), endAt: timeOfDayOut.describe("When it closes (exclusive)") })
  .describe(weekdayWindowSchema.description!);
const weekdayWindowsOut = (day: Weekday) => z.array(weekdayWindowOut).optional().describe(`Windows on ${day[0].toUpperCase()}${day.slice(1)}s`);

export const advancedWindowOut = z
  .object({ startAt: z.string().describe("When the window opens (inclusive), ISO-8601 UTC"), endAt: z.string().describe("When it closes (exclusive), ISO-8601 UTC") })
  .describe(advancedWindowSchema.description!);

export const pauseWindowsOutput = z
  .object({
    ...Object.fromEntries(WEEKDAYS.map((d) => [d, weekdayWindowsOut(d)])),
    advanced: z.array(advancedWindowOut).optional().describe("Windows between two instants"),
  })
  .describe(pauseWindowsSchema.description!);

export const callingHoursOutput = z
  .object({
    start: z.string().describe(callingHoursSchema.shape.start.description!),
    end: z.string().describe(callingHoursSchema.shape.end.description!),
    days: z.array(z.enum(WEEKDAYS)).optional().describe(callingHoursSchema.shape.days.description!),
  })
  .describe(callingHoursSchema.description!);

export const autoPauseRuleOutput = z
  .object({
    nodeId: z.string().describe(autoPauseRuleSchema.shape.nodeId.description!),
    threshold: z.number().int().describe(autoPauseRuleSchema.shape.threshold.description!),
    resetOnResume: z.boolean().describe(autoPauseRuleSchema.shape.resetOnResume.description!),
  })
  .describe(autoPauseRuleSchema.description!);
