// The seam between the dispatcher and a carrier that runs calls on its own network and reports through webhooks
// (Twilio and compatible carriers). The simulator, which holds its calls in this process, is a TelephonyProvider
// instead; both drive the same flow machine.

/** A call's status as the carrier reports it. */
export type CarrierCallStatus = "queued" | "ringing" | "in-progress" | "completed" | "busy" | "failed" | "no-answer" | "canceled";

export const LIVE_STATUSES: readonly CarrierCallStatus[] = ["queued", "ringing", "in-progress"];

export interface CreateCallRequest {
  /** Our attempt id: the webhooks of the call name it. */
  attemptId: string;
  to: string;
  from: string;
  /** Ring time before `no-answer`. */
  timeoutMs: number;
  /** Answering-machine detection (so a flow can leave a message after the beep). */
  enableAMD: boolean;
}

export interface CarrierCall {
  id: string;
  status: CarrierCallStatus;
  /** The carrier's answering-machine verdict, as it spells it (e.g. `human`, `machine_end_beep`), or null. */
  answeredBy: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
}

/**
 * Why the carrier did not take a call: `transient` (429, 5xx: try later, no attempt used), `timeout` (the request
 * may or may not have created the call: look it up), `number` (the callee's number is refused: the attempt is
 * `rejected`), `account` (credentials or caller ID: not the contact's fault, the execution pauses).
 */
export type CarrierFailure = "transient" | "timeout" | "number" | "account";

export class CarrierError extends Error {
  constructor(
    readonly kind: CarrierFailure,
    message: string,
    readonly code: number | null = null,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = "CarrierError";
  }
}

export interface Carrier {
  readonly name: string;
  /** Asks the carrier to place a call; answers its call id. Throws CarrierError. */
  createCall(request: CreateCallRequest): Promise<{ callId: string }>;
  /** The call as the carrier knows it now; null when the carrier does not know it. */
  fetchCall(callId: string): Promise<CarrierCall | null>;
  /** A call to `to` created at or after `since` (a create that timed out may still have placed it). */
  findCall(to: string, since: Date): Promise<CarrierCall | null>;
}
