import { DateTime, IANAZone } from "luxon";
import type { CallingHours, PauseWindows, Weekday } from "./rules.schema";
import { WEEKDAYS } from "./rules.schema";

// When the calling rules allow calls, as pure functions of an instant: time-zone arithmetic (daylight saving time
// included) by luxon, never by hand.

export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** The wall clock in `zone` at `at`: weekday and minutes since midnight. */
function wallClock(at: number, zone: string): { day: Weekday; minutes: number } {
  const local = DateTime.fromMillis(at, { zone });
  return { day: WEEKDAYS[local.weekday - 1], minutes: local.hour * 60 + local.minute };
}

/** Whether `at` falls inside one of the pause windows (weekday windows in `zone`, advanced ones as instants). */
export function inPauseWindow(windows: PauseWindows | null | undefined, zone: string, at: number): boolean {
  if (!windows) return false;
  for (const w of windows.advanced ?? []) if (Date.parse(w.startAt) <= at && at < Date.parse(w.endAt)) return true;
  const { day, minutes } = wallClock(at, zone);
  return (windows[day] ?? []).some((w) => w.startAt.hour * 60 + w.startAt.minute <= minutes && minutes < w.endAt.hour * 60 + w.endAt.minute);
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether the calling hours are open at `at` in one zone. */
function openIn(hours: CallingHours, zone: string, at: number): boolean {
  const { day, minutes } = wallClock(at, zone);
  if (hours.days && !hours.days.includes(day)) return false;
  return toMinutes(hours.start) <= minutes && minutes < toMinutes(hours.end);
}

const WEEK_MS = 7 * 24 * 3600_000;
const STEP_MS = 15 * 60_000;

/**
 * The zones a callee is judged in: the number's own zones when they share at least one open moment in a week (all
 * must be open at once), else the organization's zone (also for a number with none).
 */
export function effectiveZones(hours: CallingHours, zones: readonly string[], orgZone: string, from: number): readonly string[] {
  if (zones.length === 0) return [orgZone];
  if (zones.length === 1) return zones;
  for (let t = from; t < from + WEEK_MS; t += STEP_MS) if (zones.every((z) => openIn(hours, z, t))) return zones;
  return [orgZone];
}

/** Whether a callee in `zones` may be called at `at` (every zone inside the hours). */
export function openNow(hours: CallingHours, zones: readonly string[], at: number): boolean {
  return zones.every((z) => openIn(hours, z, at));
}

/** Local wall-clock times (HH:MM, or hour and minute) on each day of the horizon in `zone`, as instants from `from`. */
function localTimes(zone: string, times: Array<{ hour: number; minute: number }>, from: number, horizonMs: number): number[] {
  const out: number[] = [];
  let day = DateTime.fromMillis(from, { zone }).startOf("day");
  for (let i = 0; i <= Math.ceil(horizonMs / 86_400_000); i++, day = day.plus({ days: 1 })) {
    for (const t of times) {
      const at = day.set({ hour: t.hour, minute: t.minute }).toMillis();
      if (at >= from && at < from + horizonMs) out.push(at);
    }
  }
  return out;
}

/**
 * The first instant from `from` (within `horizonMs`) at which `isOpen` holds, or null. Only the instants where the
 * answer can change are tried: the start of the calling hours in each zone, the end of each pause window, and a
 * quarter-hour grid as a safety net, so the scan is a few hundred checks, not one per minute.
 */
export function nextOpening(
  isOpen: (at: number) => boolean,
  rules: { hours: CallingHours | null; zones: readonly string[]; windows: PauseWindows | null; orgZone: string },
  from: number,
  horizonMs = 8 * 24 * 3600_000,
): number | null {
  if (isOpen(from)) return from;
  const candidates = new Set<number>();
  for (let t = from + STEP_MS - (from % STEP_MS); t < from + horizonMs; t += STEP_MS) candidates.add(t);
  if (rules.hours) {
    const start = { hour: Number(rules.hours.start.slice(0, 2)), minute: Number(rules.hours.start.slice(3, 5)) };
    for (const zone of rules.zones) for (const at of localTimes(zone, [start], from, horizonMs)) candidates.add(at);
  }
  if (rules.windows) {
    const ends = WEEKDAYS.flatMap((d) => (rules.windows![d] ?? []).map((w) => w.endAt));
    for (const at of localTimes(rules.orgZone, ends, from, horizonMs)) candidates.add(at);
    for (const w of rules.windows.advanced ?? []) if (Date.parse(w.endAt) > from) candidates.add(Date.parse(w.endAt));
  }
  for (const t of [...candidates].sort((a, b) => a - b)) if (isOpen(t)) return t;
  return null;
}
