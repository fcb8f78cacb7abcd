import { z } from "zod";

// Building blocks of the output schemas: they turn what services return (entities with Date fields) into the JSON
// the REST gateway writes, and describe that JSON for the OpenAPI document.

/** ISO-8601 UTC with milliseconds, as every instant of the API is written. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An instant: a Date in, `2025-01-20T09:00:05.000Z` out. */
export const instant = z.codec(
  z.date(),
  z.string().regex(ISO_MS).meta({ format: "date-time", examples: ["2025-01-20T09:00:05.000Z"] }),
  { decode: (d) => d.toISOString(), encode: (s) => new Date(s) },
);

export const uuid = z.uuid();
/** A counter or a size: a whole number from 0. */
export const count = z.number().int().min(0);
/** A whole number from 1 (versions, attempt numbers, sequences). */
export const positiveInt = z.number().int().min(1);
/** A JSON object of the client's own keys. */
export const jsonObject = z.record(z.string(), z.unknown());
