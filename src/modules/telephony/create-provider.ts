// Picks the telephony named by VOICECAST_TELEPHONY. New carriers are added here and nowhere else.

import type { Config } from "../../config/config";
import type { Clock } from "../../shared/clock";
import type { Carrier } from "./carrier";
import { SimulatorProvider } from "./simulator.provider";
import type { TelephonyProvider } from "./telephony.provider";
import { TwilioCarrier } from "./twilio/twilio.carrier";

/** Either a provider that holds its calls in this process, or a carrier that runs them on its webhooks. */
export type Telephony = { provider: TelephonyProvider; carrier?: undefined } | { carrier: Carrier; provider?: undefined };

export function createTelephony(config: Pick<Config, "telephony" | "simCallMs" | "twilio" | "publicUrl">, clock: Clock): Telephony {
  if (config.telephony === "twilio") {
    if (!config.twilio || !config.publicUrl) throw new Error("VOICECAST_TELEPHONY=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and VOICECAST_PUBLIC_URL");
    return { carrier: new TwilioCarrier({ ...config.twilio, publicUrl: config.publicUrl }) };
  }
  return { provider: new SimulatorProvider({ callMs: config.simCallMs, clock }) };
}
