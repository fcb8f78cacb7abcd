import twilio from "twilio";
import type { Instruction } from "../../dispatcher/flow-machine";
import { seconds } from "./twilio.carrier";

/**
 * TwiML for one instruction of the flow machine. Each media node gets its verb followed by a `<Redirect>` to the
 * same action: after a `<Say>`/`<Play>` it reports the node done; after a `<Gather>` that got no key press, or a
 * `<Record>` that got no recording, it reaches the server all the same, so the flow takes `onTimeout`.
 */
export function renderTwiml(instruction: Instruction, actionUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  switch (instruction.kind) {
    case "play":
      for (const item of instruction.items) {
        if (item.type === "tts") response.say(item.text);
        else if (item.type === "audioUrl") response.play(item.url);
        // audioFile items cannot be launched on a carrier (no audio library yet).
      }
      response.redirect({ method: "POST" }, actionUrl);
      break;
    case "gather": {
      const single = instruction.mode === "single_digit";
      response.gather({ input: ["dtmf"], action: actionUrl, method: "POST", timeout: seconds(instruction.timeoutMs), ...(single ? { numDigits: 1 } : { finishOnKey: "#" }) });
      response.redirect({ method: "POST" }, actionUrl);
      break;
    }
    case "record":
      response.record({ action: actionUrl, method: "POST", maxLength: seconds(instruction.maxDurationMs), playBeep: true });
      response.redirect({ method: "POST" }, actionUrl);
      break;
    default:
      response.hangup();
  }
  return response.toString();
}

/** Ends a call Voicecast does not know or no longer runs. */
export function hangupTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return response.toString();
}
