/** Twilio's wire formats: SIDs, dates, error bodies and the Call resource JSON. */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { CallStatus } from "./types";

export const API_VERSION = "2010-04-01";

export function newSid(prefix: "CA" | "RE"): string {
  return prefix + randomBytes(16).toString("hex");
}

/** Twilio's dates: RFC 2822 in GMT, e.g. `Tue, 01 Dec 2026 10:00:00 +0000`. */
export function rfc2822(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toUTCString().replace("GMT", "+0000");
}

const E164 = /^\+[1-9]\d{1,14}$/;
export const isE164 = (n: string | undefined): n is string => typeof n === "string" && E164.test(n);

/** The error codes the emulator answers with, their HTTP status and Twilio's message. */
export const TWILIO_ERRORS = {
  20001: { status: 400, message: "Invalid parameter" },
  20003: { status: 401, message: "Authenticate" },
  20404: { status: 404, message: "The requested resource was not found" },
  20429: { status: 429, message: "Too Many Requests" },
  20500: { status: 500, message: "Internal Server Error" },
  21201: { status: 400, message: "No 'To' number is specified" },
  21205: { status: 400, message: "Url is not a valid URL" },
  21210: { status: 400, message: "Caller phone number not verified" },
  21211: { status: 400, message: "Invalid 'To' Phone Number" },
  21212: { status: 400, message: "Invalid Caller Phone Number" },
  21213: { status: 400, message: "No 'From' number is specified" },
  21214: { status: 400, message: "'To' phone number cannot be reached" },
  21215: { status: 400, message: "Account not authorized to call this number (geo permissions)" },
  21217: { status: 400, message: "Phone number does not appear to be valid" },
  21220: { status: 400, message: "Call is not in-progress. Cannot redirect." },
  21610: { status: 400, message: "Attempt to send to unsubscribed recipient" },
} as const;
export type TwilioErrorCode = keyof typeof TWILIO_ERRORS;

/** Codes that refuse one number; the emulator answers them with 400. */
export type NumberRefusalCode = 21211 | 21214 | 21217 | 21610;
/** Codes that are the account's or the caller ID's fault, for every call. */
export type AccountErrorCode = 20003 | 21210 | 21212 | 21215;

/** Twilio's error body: `{ code, message, more_info, status }`. */
export function sendTwilioError(res: ServerResponse, code: TwilioErrorCode, detail?: string): void {
  const { status, message } = TWILIO_ERRORS[code];
  sendJson(res, status, {
    code,
    message: detail ? `${message}: ${detail}` : message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** The fields of a call that its resource shows. */
export interface CallResourceFields {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  status: CallStatus;
  answeredBy: string | null;
  createdAtMs: number;
  updatedAtMs: number;
  startedAtMs: number | null;
  answeredAtMs: number | null;
  endedAtMs: number | null;
}

/** Seconds between answer and end, rounded up (0 for a call nobody answered). */
export function callDurationS(c: Pick<CallResourceFields, "answeredAtMs" | "endedAtMs">): number {
  return c.answeredAtMs === null || c.endedAtMs === null ? 0 : Math.ceil((c.endedAtMs - c.answeredAtMs) / 1000);
}

/** The Call resource as Twilio's REST API returns it (snake_case, RFC 2822 dates, duration as a string). */
export function callResource(c: CallResourceFields): Record<string, unknown> {
  const base = `/${API_VERSION}/Accounts/${c.accountSid}/Calls/${c.sid}`;
  return {
    sid: c.sid,
    account_sid: c.accountSid,
    annotation: null,
    answered_by: c.answeredBy,
    api_version: API_VERSION,
    caller_name: null,
    date_created: rfc2822(c.createdAtMs),
    date_updated: rfc2822(c.updatedAtMs),
    direction: "outbound-api",
    duration: c.endedAtMs === null ? null : String(callDurationS(c)),
    end_time: rfc2822(c.endedAtMs),
    forwarded_from: null,
    from: c.from,
    from_formatted: c.from,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: "USD",
    queue_time: "0",
    start_time: rfc2822(c.startedAtMs),
    status: c.status,
    subresource_uris: {
      notifications: `${base}/Notifications.json`,
      recordings: `${base}/Recordings.json`,
      events: `${base}/Events.json`,
    },
    to: c.to,
    to_formatted: c.to,
    trunk_sid: null,
    uri: `${base}.json`,
  };
}
