import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../shared/errors";
import { parseInput } from "../../../shared/validation";
import { effectiveZones, inPauseWindow, nextOpening, openNow } from "../rule-times";
import { callingHoursSchema, pauseWindowsSchema, type PauseWindows } from "../rules.schema";
import { timeZonesOf } from "../time-zones";

const at = (iso: string) => Date.parse(iso);

describe("pause windows in the organization's zone, across a DST change", () => {
  // 2026-10-31 is a Saturday in EDT (UTC-4); DST ends on Sunday 2026-11-01 at 02:00, then EST (UTC-5).
  const windows: PauseWindows = {
    saturday: [{ startAt: { hour: 9, minute: 0 }, endAt: { hour: 10, minute: 0 } }],
    sunday: [{ startAt: { hour: 9, minute: 0 }, endAt: { hour: 10, minute: 0 } }],
    advanced: [{ startAt: "2026-11-02T16:00:00.000Z", endAt: "2026-11-02T16:30:00.000Z" }],
  };
  const NY = "America/New_York";

  it("a weekday window opens and closes at its local times, whichever offset the day has", () => {
    expect(inPauseWindow(windows, NY, at("2026-10-31T12:59:59Z"))).toBe(false);
    expect(inPauseWindow(windows, NY, at("2026-10-31T13:00:00Z"))).toBe(true); // 09:00 EDT
    expect(inPauseWindow(windows, NY, at("2026-10-31T13:59:59Z"))).toBe(true);
    expect(inPauseWindow(windows, NY, at("2026-10-31T14:00:00Z"))).toBe(false); // 10:00 EDT: end is exclusive
    expect(inPauseWindow(windows, NY, at("2026-11-01T13:30:00Z"))).toBe(false); // 08:30 EST, not 09:30
    expect(inPauseWindow(windows, NY, at("2026-11-01T14:00:00Z"))).toBe(true); // 09:00 EST
    expect(inPauseWindow(windows, NY, at("2026-11-01T15:00:00Z"))).toBe(false);
  });

  it("an advanced window is a pair of instants; no windows means never", () => {
    expect(inPauseWindow(windows, NY, at("2026-11-02T15:59:59Z"))).toBe(false);
    expect(inPauseWindow(windows, NY, at("2026-11-02T16:00:00Z"))).toBe(true);
    expect(inPauseWindow(windows, NY, at("2026-11-02T16:30:00Z"))).toBe(false);
    expect(inPauseWindow(null, NY, at("2026-11-02T16:10:00Z"))).toBe(false);
  });

  it("the next opening after a window is its end", () => {
    const isOpen = (t: number) => !inPauseWindow(windows, NY, t);
    expect(nextOpening(isOpen, { hours: null, zones: [], windows, orgZone: NY }, at("2026-11-01T14:20:00Z"))).toBe(at("2026-11-01T15:00:00Z"));
  });
});

describe("callee-local calling hours", () => {
  const hours = parseInput(callingHoursSchema, { start: "09:00", end: "17:00" });
  const zones = (n: string) => timeZonesOf(n);

  it("judges each callee in the zones of their number", () => {
    expect(zones("+61291234560")).toEqual(["Australia/Sydney"]);
    expect(zones("+442071234561")).toEqual(["Europe/London"]);
    expect(zones("+14152000003")).toEqual(["America/Los_Angeles"]);
    expect(zones("+12085550104")).toEqual(["America/Boise", "America/Los_Angeles"]);
    const t = at("2026-12-01T09:30:00Z");
    expect(openNow(hours, zones("+442071234561"), t)).toBe(true); // 09:30 in London
    expect(openNow(hours, zones("+14152000003"), t)).toBe(false); // 01:30 in LA
    expect(openNow(hours, zones("+61291234560"), t)).toBe(false); // 20:30 in Sydney
  });

  it("a number with several zones is open only when every one of them is", () => {
    const idaho = zones("+12085550104");
    expect(openNow(hours, idaho, at("2026-12-01T17:30:00Z"))).toBe(true); // 09:30 LA, 10:30 Boise
    expect(openNow(hours, idaho, at("2026-12-02T00:30:00Z"))).toBe(false); // 16:30 LA, 17:30 Boise
    expect(openNow(hours, zones("+14152000003"), at("2026-12-02T00:30:00Z"))).toBe(true);
  });

  it("zones that never share an open moment, or none, fall back to the organization's zone", () => {
    const everywhere = timeZonesOf("+15005550006"); // non-geographic: Guam to Adak
    expect(everywhere.length).toBeGreaterThan(10);
    expect(effectiveZones(hours, everywhere, "Europe/Paris", at("2026-12-01T00:00:00Z"))).toEqual(["Europe/Paris"]);
    expect(effectiveZones(hours, [], "Europe/Paris", at("2026-12-01T00:00:00Z"))).toEqual(["Europe/Paris"]);
    expect(effectiveZones(hours, zones("+12085550104"), "Europe/Paris", 0)).toEqual(["America/Boise", "America/Los_Angeles"]);
  });

  it("days limit the callee's local weekdays", () => {
    const weekdays = parseInput(callingHoursSchema, { start: "09:00", end: "17:00", days: ["monday", "tuesday", "wednesday", "thursday", "friday"] });
    expect(openNow(weekdays, ["Europe/London"], at("2026-12-05T10:00:00Z"))).toBe(false); // Saturday
    expect(openNow(weekdays, ["Europe/London"], at("2026-12-07T10:00:00Z"))).toBe(true); // Monday
    expect(nextOpening((t) => openNow(weekdays, ["Europe/London"], t), { hours: weekdays, zones: ["Europe/London"], windows: null, orgZone: "UTC" }, at("2026-12-05T10:00:00Z"))).toBe(
      at("2026-12-07T09:00:00Z"),
    );
  });
});

describe("rule validation names the field", () => {
  const problems = (schema: Parameters<typeof parseInput>[0], value: unknown) => {
    try {
      parseInput(schema, value, "x");
      return [];
    } catch (e) {
      return (e as ValidationError).problems.map((p) => `${p.field}: ${p.message}`);
    }
  };

  it("pause windows", () => {
    expect(problems(pauseWindowsSchema, { monday: [{ startAt: { hour: 24, minute: 0 }, endAt: { hour: 10, minute: 60 } }] })).toEqual([
      "x.monday[0].startAt.hour: must be a whole number from 0 to 23",
      "x.monday[0].endAt.minute: must be a whole number from 0 to 59",
    ]);
    expect(problems(pauseWindowsSchema, { friday: [{ startAt: { hour: 12, minute: 0 }, endAt: { hour: 11, minute: 0 } }] })).toEqual([
      "x.friday[0].endAt: must be after startAt (an overnight window is two windows)",
    ]);
    expect(problems(pauseWindowsSchema, { advanced: [{ startAt: "2026-12-01T10:00:00", endAt: "2026-12-01T09:00:00Z" }] })[0]).toMatch(/^x\.advanced\[0\]\.startAt: must be an ISO-8601 date-time with an offset/);
    expect(problems(pauseWindowsSchema, { advanced: [{ startAt: "2026-12-01T10:00:00Z", endAt: "2026-12-01T09:00:00Z" }] })).toEqual(["x.advanced[0].endAt: must be after startAt"]);
    expect(problems(pauseWindowsSchema, { funday: [] })[0]).toMatch(/funday/);
  });

  it("calling hours", () => {
    expect(problems(callingHoursSchema, { start: "17:00", end: "09:00" })).toEqual(["x.end: must be after start (no wrap past midnight)"]);
    expect(problems(callingHoursSchema, { start: "24:00", end: "25:00" })).toEqual([
      "x.start: must be a time of day HH:MM, 00:00 to 23:59",
      "x.end: must be a time of day HH:MM, 00:00 to 23:59",
    ]);
    expect(problems(callingHoursSchema, { start: "09:00", end: "17:00", days: ["someday"] })[0]).toMatch(/^x\.days\[0\]: must be one of monday/);
  });
});
