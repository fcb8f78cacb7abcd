import { useMemo, useRef, useState } from "preact/hooks";
import {
  ClientCancelExecutionDocument,
  ClientPauseExecutionDocument,
  ClientProgramNamesDocument,
  ClientResumeExecutionDocument,
} from "../../client/generated/graphql";
import { doneCount, isFinished, percentDone, RateMeter } from "../../client/progress";
import { CallsChart, Timeline } from "../components/calls-chart";
import { ConfirmAction } from "../components/confirm-action";
import { ContactsByStatus } from "../components/contacts";
import { Counters } from "../components/counters";
import { ProgressBar } from "../components/progress-bar";
import { ExecutionStatus } from "../components/status";
import { useExecutionProgress, useQuery } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "–");

/** One execution, live: counters, status, progress, chart, contacts, and the lifecycle buttons. */
export function ExecutionPage(props: { id: string }) {
  const { request } = useSession();
  const timeline = useMemo(() => new Timeline(), [props.id]);
  const rate = useRef(new RateMeter());
  const [chartVersion, setChartVersion] = useState(0);
  const progress = useExecutionProgress(props.id, undefined, (s) => {
    timeline.add(s, Date.now());
    rate.current.add(Date.now(), doneCount(s));
    setChartVersion(timeline.version);
  });
  const e = progress.execution;
  const programs = useQuery(ClientProgramNamesDocument, { limit: 100 }, "names");
  const programName = e ? programs.data?.programs.data.find((p) => p.id === e.programId)?.name : undefined;

  if (!e) {
    return (
      <main id="main">
        <p>
          <Link href="/dashboard/">← Executions</Link>
        </p>
        {progress.error ? (
          <p class="error" role="alert">
            {progress.error}
          </p>
        ) : (
          <p class="muted">Loading execution {props.id}…</p>
        )}
      </main>
    );
  }

  // Each move answers the execution after it: shown at once (the same sequence rule as events).
  const pause = async () => progress.offer((await request(ClientPauseExecutionDocument, { id: e.id })).pauseExecution);
  const resume = async () => progress.offer((await request(ClientResumeExecutionDocument, { id: e.id })).resumeExecution);
  const cancel = async () => progress.offer((await request(ClientCancelExecutionDocument, { id: e.id })).cancelExecution);
  const perSecond = rate.current.perSecond();
  return (
    <main id="main" class="execution" data-execution-id={e.id}>
      <p>
        <Link href="/dashboard/">← Executions</Link>
      </p>
      <header class="page-head">
        <div>
          <h1>
            {programName ?? "Execution"} <ExecutionStatus execution={e} />
          </h1>
          <p class="muted mono small">
            {e.id} · sequence <span data-field="sequence">{e.sequence}</span>
          </p>
        </div>
        <div class="actions" aria-label="Execution actions">
          <ConfirmAction name="pause" label="Pause" question="Pause this execution? Calls in progress finish; no new calls start." disabled={e.status !== "RUNNING"} action={pause} />
          <ConfirmAction name="resume" label="Resume" question="Resume this execution?" disabled={e.status !== "PAUSED"} action={resume} />
          <ConfirmAction
            name="cancel"
            label="Cancel"
            danger
            question="Cancel this execution? Contacts not yet called are skipped. This cannot be undone."
            disabled={!["SCHEDULED", "RUNNING", "PAUSED"].includes(e.status)}
            action={cancel}
          />
        </div>
      </header>
      {progress.error ? (
        <p class="error" role="alert">
          {progress.error}
        </p>
      ) : null}
      <section class="panel" aria-label="Progress">
        <div class="progress-head">
          <strong>{percentDone(e).toFixed(1)}% done</strong>
          <span class="muted">{isFinished(e) ? `finished ${when(e.actualEndAt)}` : perSecond === null ? "" : `${perSecond.toFixed(1)} contacts/s`}</span>
        </div>
        <ProgressBar execution={e} />
        <Counters execution={e} />
        <dl class="times">
          <div>
            <dt>Scheduled start</dt>
            <dd>{when(e.scheduledStartAt)}</dd>
          </div>
          <div>
            <dt>First call</dt>
            <dd>{when(e.actualStartAt)}</dd>
          </div>
          <div>
            <dt>Stop time</dt>
            <dd>{when(e.scheduledStopAt)}</dd>
          </div>
          <div>
            <dt>Finished</dt>
            <dd>{when(e.actualEndAt)}</dd>
          </div>
        </dl>
      </section>
      <section class="panel" aria-labelledby="chart-title">
        <h2 id="chart-title">Calls over time</h2>
        <CallsChart timeline={timeline} version={chartVersion} />
      </section>
      <ContactsByStatus execution={e} />
    </main>
  );
}
