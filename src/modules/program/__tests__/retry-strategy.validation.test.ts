import { describe, expect, it } from "vitest";
import { type FieldProblem, ValidationError } from "../../../shared/errors";
import { parseIsoDateTime, parseRetryStrategy } from "../retry-strategy.validation";

const NOW = new Date("2030-01-01T00:00:00.000Z");

function problemsOf(input: unknown, prefix?: string): FieldProblem[] {
  try {
    if (prefix === undefined) parseRetryStrategy(input, NOW);
    else parseRetryStrategy(input, NOW, prefix);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).problems;
  }
  throw new Error("expected a ValidationError");
}

describe("parseRetryStrategy: valid strategies are normalised", () => {
  it("none drops every other field", () => {
    expect(parseRetryStrategy({ type: "none" }, NOW)).toEqual({ type: "none" });
    expect(
      parseRetryStrategy(
        { type: "none", delayMinutes: 5, maxRetries: 3, retryDates: null, retryOnVoicemail: false },
        NOW,
      ),
    ).toEqual({ type: "none" });
  });

  it("fixed_delay defaults retryOnVoicemail to true and drops retryDates", () => {
    expect(parseRetryStrategy({ type: "fixed_delay", delayMinutes: 30, maxRetries: 3 }, NOW)).toEqual({
      type: "fixed_delay",
      delayMinutes: 30,
      maxRetries: 3,
      retryOnVoicemail: true,
    });
    expect(
      parseRetryStrategy(
        { type: "fixed_delay", delayMinutes: 30, maxRetries: 3, retryOnVoicemail: null, retryDates: null },
        NOW,
      ),
    ).toEqual({ type: "fixed_delay", delayMinutes: 30, maxRetries: 3, retryOnVoicemail: true });
  });

  it("fixed_delay keeps retryOnVoicemail false, fractional delays and the 0 and 100 bounds", () => {
    expect(
      parseRetryStrategy({ type: "fixed_delay", delayMinutes: 0.05, maxRetries: 0, retryOnVoicemail: false }, NOW),
    ).toEqual({ type: "fixed_delay", delayMinutes: 0.05, maxRetries: 0, retryOnVoicemail: false });
    expect(parseRetryStrategy({ type: "fixed_delay", delayMinutes: 525600, maxRetries: 100 }, NOW)).toEqual({
      type: "fixed_delay",
      delayMinutes: 525600,
      maxRetries: 100,
      retryOnVoicemail: true,
    });
  });

  it("scheduled normalises dates to toISOString(), defaults retryOnVoicemail and drops other fields", () => {
    expect(
      parseRetryStrategy(
        {
          type: "scheduled",
          retryDates: ["2030-01-20T14:00:00Z", "2030-01-21T10:00:00+01:00", "2030-01-22T08:30Z"],
          delayMinutes: 10,
          maxRetries: null,
        },
        NOW,
      ),
    ).toEqual({
      type: "scheduled",
      retryDates: ["2030-01-20T14:00:00.000Z", "2030-01-21T09:00:00.000Z", "2030-01-22T08:30:00.000Z"],
      retryOnVoicemail: true,
    });
  });

  it("scheduled accepts Date objects (as a GraphQL DateTime scalar hands them over) and keeps retryOnVoicemail false", () => {
    expect(
      parseRetryStrategy(
        { type: "scheduled", retryDates: [new Date("2030-02-01T00:00:00.123Z")], retryOnVoicemail: false },
        NOW,
      ),
    ).toEqual({ type: "scheduled", retryDates: ["2030-02-01T00:00:00.123Z"], retryOnVoicemail: false });
  });

  it("scheduled accepts 100 dates", () => {
    const dates = Array.from({ length: 100 }, (_, i) => new Date(NOW.getTime() + (i + 1) * 60_000).toISOString());
    const result = parseRetryStrategy({ type: "scheduled", retryDates: dates }, NOW);
    expect(result.type === "scheduled" && result.retryDates).toEqual(dates);
  });
});

describe("parseRetryStrategy: each rule alone names its field", () => {
  const cases: Array<[string, unknown, FieldProblem]> = [
    ["not an object (null)", null, { field: "retryStrategy", message: "must be an object with a type (one of none, fixed_delay, scheduled)" }],
    ["not an object (array)", [], { field: "retryStrategy", message: "must be an object with a type (one of none, fixed_delay, scheduled)" }],
    ["not an object (string)", "none", { field: "retryStrategy", message: "must be an object with a type (one of none, fixed_delay, scheduled)" }],
    ["type missing", {}, { field: "retryStrategy.type", message: "must be one of none, fixed_delay, scheduled" }],
    [
      "type unknown",
      { type: "exponential" },
      { field: "retryStrategy.type", message: 'must be one of none, fixed_delay, scheduled (got "exponential")' },
    ],
    [
      "type in the wrong case",
      { type: "FIXED_DELAY", delayMinutes: 1, maxRetries: 1 },
      { field: "retryStrategy.type", message: 'must be one of none, fixed_delay, scheduled (got "FIXED_DELAY")' },
    ],
    // fixed_delay
    [
      "delayMinutes missing",
      { type: "fixed_delay", maxRetries: 3 },
      { field: "retryStrategy.delayMinutes", message: "is required (minutes, greater than 0)" },
    ],
    [
      "delayMinutes null",
      { type: "fixed_delay", delayMinutes: null, maxRetries: 3 },
      { field: "retryStrategy.delayMinutes", message: "is required (minutes, greater than 0)" },
    ],
    [
      "delayMinutes zero",
      { type: "fixed_delay", delayMinutes: 0, maxRetries: 3 },
      { field: "retryStrategy.delayMinutes", message: "must be a number greater than 0" },
    ],
    [
      "delayMinutes negative",
      { type: "fixed_delay", delayMinutes: -1, maxRetries: 3 },
      { field: "retryStrategy.delayMinutes", message: "must be a number greater than 0" },
    ],
    [
      "delayMinutes a string",
      { type: "fixed_delay", delayMinutes: "30", maxRetries: 3 },
      { field: "retryStrategy.delayMinutes", message: "must be a number greater than 0" },
    ],
    [
      "delayMinutes not finite",
      { type: "fixed_delay", delayMinutes: Number.POSITIVE_INFINITY, maxRetries: 3 },
      { field: "retryStrategy.delayMinutes", message: "must be a number greater than 0" },
    ],
    [
      "delayMinutes NaN",
      { type: "fixed_delay", delayMinutes: Number.NaN, maxRetries: 3 },
      { field: "retryStrategy.delayMinutes", message: "must be a number greater than 0" },
    ],
    [
      "delayMinutes over a year",
      { type: "fixed_delay", delayMinutes: 525601, maxRetries: 3 },
      { field: "retryStrategy.delayMinutes", message: "must be at most 525600 (one year)" },
    ],
    [
      "maxRetries missing",
      { type: "fixed_delay", delayMinutes: 30 },
      { field: "retryStrategy.maxRetries", message: "is required (an integer from 0 to 100)" },
    ],
    [
      "maxRetries negative",
      { type: "fixed_delay", delayMinutes: 30, maxRetries: -1 },
      { field: "retryStrategy.maxRetries", message: "must be at least 0" },
    ],
    [
      "maxRetries a fraction",
      { type: "fixed_delay", delayMinutes: 30, maxRetries: 1.5 },
      { field: "retryStrategy.maxRetries", message: "must be an integer" },
    ],
    [
      "maxRetries a string",
      { type: "fixed_delay", delayMinutes: 30, maxRetries: "3" },
      { field: "retryStrategy.maxRetries", message: "must be an integer" },
    ],
    [
      "maxRetries over 100",
      { type: "fixed_delay", delayMinutes: 30, maxRetries: 101 },
      { field: "retryStrategy.maxRetries", message: "must be at most 100" },
    ],
    [
      "fixed_delay retryOnVoicemail not a boolean",
      { type: "fixed_delay", delayMinutes: 30, maxRetries: 3, retryOnVoicemail: "yes" },
      { field: "retryStrategy.retryOnVoicemail", message: "must be a boolean" },
    ],
    // scheduled
    [
      "retryDates missing",
      { type: "scheduled" },
      { field: "retryStrategy.retryDates", message: "must be a non-empty array of ISO-8601 date-times" },
    ],
    [
      "retryDates empty",
      { type: "scheduled", retryDates: [] },
      { field: "retryStrategy.retryDates", message: "must be a non-empty array of ISO-8601 date-times" },
    ],
    [
      "retryDates not an array",
      { type: "scheduled", retryDates: "2030-01-20T14:00:00Z" },
      { field: "retryStrategy.retryDates", message: "must be a non-empty array of ISO-8601 date-times" },
    ],
    [
      "more than 100 retryDates",
      {
        type: "scheduled",
        retryDates: Array.from({ length: 101 }, (_, i) => new Date(NOW.getTime() + (i + 1) * 60_000).toISOString()),
      },
      { field: "retryStrategy.retryDates", message: "must have at most 100 dates (got 101)" },
    ],
    [
      "a retry date not a string",
      { type: "scheduled", retryDates: ["2030-01-20T14:00:00Z", 1893456000000] },
      {
        field: "retryStrategy.retryDates[1]",
        message: "must be an ISO-8601 date-time with a time zone, e.g. 2030-01-20T14:00:00Z",
      },
    ],
    [
      "a retry date in words",
      { type: "scheduled", retryDates: ["tomorrow"] },
      {
        field: "retryStrategy.retryDates[0]",
        message: "must be an ISO-8601 date-time with a time zone, e.g. 2030-01-20T14:00:00Z",
      },
    ],
    [
      "a retry date without a time zone",
      { type: "scheduled", retryDates: ["2030-01-20T14:00:00"] },
      {
        field: "retryStrategy.retryDates[0]",
        message: "must be an ISO-8601 date-time with a time zone, e.g. 2030-01-20T14:00:00Z",
      },
    ],
    [
      "a retry date on a day that does not exist",
      { type: "scheduled", retryDates: ["2030-02-30T10:00:00Z"] },
      {
        field: "retryStrategy.retryDates[0]",
        message: "must be an ISO-8601 date-time with a time zone, e.g. 2030-01-20T14:00:00Z",
      },
    ],
    [
      "an invalid Date object",
      { type: "scheduled", retryDates: [new Date("nope")] },
      {
        field: "retryStrategy.retryDates[0]",
        message: "must be an ISO-8601 date-time with a time zone, e.g. 2030-01-20T14:00:00Z",
      },
    ],
    [
      "a retry date in the past",
      { type: "scheduled", retryDates: ["2029-12-31T23:59:59Z"] },
      {
        field: "retryStrategy.retryDates[0]",
        message: "must be in the future (2029-12-31T23:59:59.000Z is not after 2030-01-01T00:00:00.000Z)",
      },
    ],
    [
      "a retry date equal to now",
      { type: "scheduled", retryDates: ["2030-01-01T00:00:00.000Z"] },
      {
        field: "retryStrategy.retryDates[0]",
        message: "must be in the future (2030-01-01T00:00:00.000Z is not after 2030-01-01T00:00:00.000Z)",
      },
    ],
    [
      "retry dates out of order",
      { type: "scheduled", retryDates: ["2030-01-21T10:00:00Z", "2030-01-20T14:00:00Z"] },
      { field: "retryStrategy.retryDates[1]", message: "must be later than retryDates[0]" },
    ],
    [
      "the same retry date twice (written differently)",
      { type: "scheduled", retryDates: ["2030-01-20T14:00:00Z", "2030-01-20T15:00:00+01:00"] },
      { field: "retryStrategy.retryDates[1]", message: "must be later than retryDates[0]" },
    ],
    [
      "scheduled retryOnVoicemail not a boolean",
      { type: "scheduled", retryDates: ["2030-01-20T14:00:00Z"], retryOnVoicemail: 1 },
      { field: "retryStrategy.retryOnVoicemail", message: "must be a boolean" },
    ],
  ];

  for (const [name, input, problem] of cases) {
    it(name, () => {
      expect(problemsOf(input)).toEqual([problem]);
    });
  }
});

describe("parseRetryStrategy: every problem at once", () => {
  it("fixed_delay with a bad delay, negative retries and a bad flag", () => {
    expect(problemsOf({ type: "fixed_delay", delayMinutes: 0, maxRetries: -2, retryOnVoicemail: "no" })).toEqual([
      { field: "retryStrategy.delayMinutes", message: "must be a number greater than 0" },
      { field: "retryStrategy.maxRetries", message: "must be at least 0" },
      { field: "retryStrategy.retryOnVoicemail", message: "must be a boolean" },
    ]);
  });

  it("scheduled dates: past, unreadable and out of order, compared with the nearest valid earlier date", () => {
    expect(
      problemsOf({
        type: "scheduled",
        retryDates: ["2029-06-01T00:00:00Z", "2030-03-01T00:00:00Z", "garbage", "2030-02-01T00:00:00Z"],
      }),
    ).toEqual([
      {
        field: "retryStrategy.retryDates[0]",
        message: "must be in the future (2029-06-01T00:00:00.000Z is not after 2030-01-01T00:00:00.000Z)",
      },
      {
        field: "retryStrategy.retryDates[2]",
        message: "must be an ISO-8601 date-time with a time zone, e.g. 2030-01-20T14:00:00Z",
      },
      { field: "retryStrategy.retryDates[3]", message: "must be later than retryDates[1]" },
    ]);
  });

  it("a past date that is also out of order gets both messages", () => {
    expect(problemsOf({ type: "scheduled", retryDates: ["2030-01-02T00:00:00Z", "2029-01-01T00:00:00Z"] })).toEqual([
      {
        field: "retryStrategy.retryDates[1]",
        message: "must be in the future (2029-01-01T00:00:00.000Z is not after 2030-01-01T00:00:00.000Z)",
      },
      { field: "retryStrategy.retryDates[1]", message: "must be later than retryDates[0]" },
    ]);
  });

  it("uses the field prefix it is given", () => {
    expect(problemsOf({ type: "fixed_delay", delayMinutes: 5, maxRetries: -1 }, "input.retryStrategy")).toEqual([
      { field: "input.retryStrategy.maxRetries", message: "must be at least 0" },
    ]);
    expect(problemsOf(5, "strategy")).toEqual([
      { field: "strategy", message: "must be an object with a type (one of none, fixed_delay, scheduled)" },
    ]);
  });

  it("puts every problem in the error message", () => {
    let error: unknown;
    try {
      parseRetryStrategy({ type: "fixed_delay", delayMinutes: -1, maxRetries: 101 }, NOW);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      "retryStrategy.delayMinutes: must be a number greater than 0; retryStrategy.maxRetries: must be at most 100",
    );
  });
});

describe("parseIsoDateTime", () => {
  it("reads zoned date-times with or without seconds and fractions", () => {
    expect(parseIsoDateTime("2030-01-20T14:00Z")?.toISOString()).toBe("2030-01-20T14:00:00.000Z");
    expect(parseIsoDateTime("2030-01-20T14:00:00.5-02:00")?.toISOString()).toBe("2030-01-20T16:00:00.500Z");
    expect(parseIsoDateTime("2028-02-29T00:00:00Z")?.toISOString()).toBe("2028-02-29T00:00:00.000Z");
  });

  it("rejects everything else", () => {
    for (const bad of ["2030-01-20", "2030-01-20 14:00:00Z", "2029-02-29T00:00:00Z", "2030-13-01T00:00:00Z", "", 5, null]) {
      expect(parseIsoDateTime(bad)).toBeNull();
    }
  });
});
