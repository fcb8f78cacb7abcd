import WebSocket from "ws";
import { ClientExecutionProgressDocument } from "../client/generated/graphql";
import { BAD_KEY_CLOSE_CODE, createLiveClient, subscribe } from "../client/live";
import { doneCount, isCurrent, isFinished, percentDone, RateMeter, Snapshot } from "../client/progress";
import { ApiTarget, badKeyMessage, TerminalError, webSocketUrl } from "./options";

export interface WatchOutput {
  write(text: string): void;
  /** A terminal: redraw one line in place. Otherwise one line per update. */
  isTTY: boolean;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** One progress line: status, percent done, every counter and the rate. */
export function progressLine(s: Snapshot, ratePerSecond: number | null): string {
  const rate = ratePerSecond === null ? "–" : ratePerSecond.toFixed(1);
  return (
    `${(s.effectiveStatus ?? s.status).padEnd(16)} ${percentDone(s).toFixed(1).padStart(5)}%  ` +
    `completed ${fmt(s.contactsCompleted)}  failed ${fmt(s.contactsFailed)}  skipped ${fmt(s.contactsSkipped)}  ` +
    `in progress ${fmt(s.contactsInProgress)}  pending ${fmt(s.contactsPending)}  of ${fmt(s.totalContacts)}  ` +
    `${rate} contacts/s`
  );
}

/** The closing summary: how it ended and the final counters. */
export function summaryLines(s: Snapshot): string[] {
  const started = s.actualStartAt ?? s.scheduledStartAt;
  const seconds = s.actualEndAt ? (Date.parse(s.actualEndAt) - Date.parse(started)) / 1000 : null;
  return [
    `execution ${s.id} ${s.status}${seconds !== null && s.actualStartAt ? ` after ${seconds.toFixed(1)} s` : ""}`,
    `final: total ${s.totalContacts}, completed ${s.contactsCompleted}, failed ${s.contactsFailed}, ` +
      `skipped ${s.contactsSkipped}, pending ${s.contactsPending}, in progress ${s.contactsInProgress}`,
  ];
}

/**
 * Follows one execution's `executionProgress` subscription until it is finished (the subscription completes),
 * drawing the progress line; resolves with the final snapshot. Rejects with a TerminalError on a refused key or
 * an unknown id. Reconnects after a dropped connection; the first event after it is the current snapshot.
 */
export function watchExecution(target: ApiTarget, executionId: string, out: WatchOutput): Promise<Snapshot> {
  return new Promise((resolve, reject) => {
    const rate = new RateMeter();
    let shown: Snapshot | null = null;
    let lineOpen = false;
    let done = false;
    const client = createLiveClient({
      url: webSocketUrl(target.url),
      apiKey: target.key,
      webSocketImpl: WebSocket,
      retryAttempts: 10,
      onState: (state) => {
        if (state === "reconnecting" && shown && !done) draw(`(reconnecting…) ${progressLine(shown, rate.perSecond())}`);
      },
    });
    const finish = (fn: () => void) => {
      done = true;
      if (lineOpen && out.isTTY) out.write("\n");
      lineOpen = false;
      void client.dispose();
      fn();
    };
    const draw = (line: string) => {
      if (out.isTTY) {
        out.write(`\r\x1b[2K${line}`);
        lineOpen = true;
      } else out.write(`${line}\n`);
    };
    subscribe(client, ClientExecutionProgressDocument, { executionId }, {
      next: ({ executionProgress: s }) => {
        if (!isCurrent(shown, s)) return;
        shown = s;
        rate.add(Date.now(), doneCount(s));
        draw(progressLine(s, rate.perSecond()));
      },
      error: (errors, closeCode) => {
        if (closeCode === BAD_KEY_CLOSE_CODE) return finish(() => reject(new TerminalError(badKeyMessage("WebSocket closed 4403"))));
        const first = errors?.[0];
        if (first?.extensions?.code === "EXECUTION_NOT_FOUND") {
          return finish(() => reject(new TerminalError(`no execution ${executionId} in this organization (EXECUTION_NOT_FOUND)`)));
        }
        const why = first ? `${first.message} (${first.extensions?.code ?? "error"})` : `connection to ${webSocketUrl(target.url)} lost${closeCode ? ` (close ${closeCode})` : ""}`;
        finish(() => reject(new TerminalError(why)));
      },
      complete: () => {
        const last = shown;
        if (!last || !isFinished(last)) return finish(() => reject(new TerminalError("the subscription ended before the execution finished")));
        finish(() => resolve(last));
      },
    });
  });
}
