import { z } from "zod";
import { ERROR_TABLE } from "../../shared/errors";

/** Every error body of the gateway, as toRestError writes it. */
export const errorSchema = z
  .object({
    error: z
      .enum([...new Set(Object.values(ERROR_TABLE).map((e) => e.rest))] as [string, ...string[]])
      .describe("The error's name, e.g. ValidationError or ExecutionNotFoundError"),
    message: z.string().describe("What went wrong, for a person; a ValidationError names every bad field"),
    details: z
      .looseObject({
        problems: z
          .array(
            z
              .object({
                field: z.string().describe("The bad field's path, e.g. retryStrategy.maxRetries or data[3].primaryPhone"),
                message: z.string().describe("What is wrong with it"),
              })
              .describe("One bad field"),
          )
          .optional()
          .describe("Every bad field of a ValidationError"),
      })
      .optional()
      .describe("More about the error, when there is more"),
  })
  .describe("An error: its name and a message a person can act on");
