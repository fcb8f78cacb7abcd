// Picks the telephony provider named by VOICECAST_TELEPHONY. New carriers are added here and nowhere else.

import type { Clock } from "../../shared/clock";
import { SimulatorProvider } from "./simulator.provider";
import type { TelephonyProvider } from "./telephony.provider";

export const TELEPHONY_PROVIDER_NAMES = ["simulator"] as const;
export type TelephonyProviderName = (typeof TELEPHONY_PROVIDER_NAMES)[number];

export interface TelephonyProviderOptions {
  /** Simulator only: time from dialing to the end of one attempt (VOICECAST_SIM_CALL_MS). */
  simCallMs: number;
  clock: Clock;
}

export function createTelephonyProvider(name: string, opts: TelephonyProviderOptions): TelephonyProvider {
  switch (name) {
    case "simulator":
      return new SimulatorProvider({ callMs: opts.simCallMs, clock: opts.clock });
    default:
      throw new Error(
        `Unknown telephony provider ${JSON.stringify(name)}; valid providers: ${TELEPHONY_PROVIDER_NAMES.join(", ")}`,
      );
  }
}
