import express, { NextFunction, Request, Response, Router } from "express";
import twilio from "twilio";
import type { CarrierCalls } from "../../modules/dispatcher/carrier-calls";
import { answeredByOf } from "../../modules/telephony/twilio/twilio-status";
import { hangupTwiml, renderTwiml } from "../../modules/telephony/twilio/twiml";
import { webhookPaths } from "../../modules/telephony/twilio/twilio.carrier";
import { DomainError } from "../../shared/errors";
import type { Logger } from "../../shared/logger";
import { isUuid } from "../../shared/validation";
import { toRestError } from "../error-mapping";

export interface TwilioWebhookOptions {
  authToken: string;
  /** The base URL the carrier was given; signatures are computed over it, not over what this process sees. */
  publicUrl: string;
  calls: CarrierCalls;
  logger: Logger;
}

function param(body: Record<string, unknown>, name: string): string | null {
  const v = body[name];
  return typeof v === "string" && v.length > 0 ? v : null;
}

/**
 * The carrier's webhooks, under /telephony/twilio: the voice URL (the call's flow, one node per request, answered
 * with TwiML) and the status callback. Every request must carry a valid X-Twilio-Signature; any api process may
 * serve any call.
 */
export function twilioWebhooks(o: TwilioWebhookOptions): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: "64kb" }));

  router.use((req: Request, _res: Response, next: NextFunction) => {
    const signature = req.header("x-twilio-signature");
    const params = (req.body ?? {}) as Record<string, string>;
    if (!signature || !twilio.validateRequest(o.authToken, signature, o.publicUrl + req.originalUrl, params)) {
      throw new DomainError("FORBIDDEN", "Missing or invalid X-Twilio-Signature");
    }
    next();
  });

  router.post("/voice/:attemptId", async (req: Request, res: Response) => {
    const attemptId = String(req.params.attemptId);
    const body = req.body as Record<string, unknown>;
    const turnParam = typeof req.query.turn === "string" ? Number(req.query.turn) : null;
    const next = isUuid(attemptId)
      ? await o.calls.voice(attemptId, {
          turn: turnParam !== null && Number.isInteger(turnParam) ? turnParam : null,
          callId: param(body, "CallSid") ?? "",
          answeredBy: answeredByOf(param(body, "AnsweredBy")),
          digits: param(body, "Digits"),
          recordingUrl: param(body, "RecordingUrl"),
          recordingDurationMs: Number(param(body, "RecordingDuration") ?? 0) * 1000,
        })
      : null;
    res.type("text/xml");
    if (!next) {
      res.send(hangupTwiml());
      return;
    }
    res.send(renderTwiml(next.instruction, `${o.publicUrl}${webhookPaths(attemptId).voice}?turn=${next.turn}`));
  });

  router.post("/status/:attemptId", async (req: Request, res: Response) => {
    const attemptId = String(req.params.attemptId);
    const body = req.body as Record<string, unknown>;
    if (isUuid(attemptId)) {
      await o.calls.status(attemptId, { callId: param(body, "CallSid") ?? "", status: param(body, "CallStatus") ?? "", answeredBy: param(body, "AnsweredBy") });
    }
    res.status(200).end();
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const { status, body } = toRestError(err, (msg, e) => o.logger.error({ err: e }, msg));
    res.status(status).json(body);
  });
  return router;
}
