import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { ClientExecutionsChangedDocument, ClientExecutionsDocument, ClientProgramNamesDocument } from "../../client/generated/graphql";
import { subscribe } from "../../client/live";
import { isCurrent, isFinished, percentDone, Snapshot } from "../../client/progress";
import { ProgressBar } from "../components/progress-bar";
import { ExecutionStatus } from "../components/status";
import { useExecutionProgress, useQuery } from "../hooks";
import { Link } from "../router";
import { useSession } from "../session";

const ACTIVE = new Set(["SCHEDULED", "RUNNING", "PAUSED"]);
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "–");

/** Active and recent executions, live: launches and status changes arrive over `executionsChanged`. */
export function ExecutionsPage() {
  const { live } = useSession();
  const active = useQuery(ClientExecutionsDocument, { activeOnly: true, limit: 50 }, "active");
  const recent = useQuery(ClientExecutionsDocument, { activeOnly: false, limit: 20 }, "recent");
  const names = useQuery(ClientProgramNamesDocument, { limit: 100 }, "names");
  // Executions announced over the subscription since the lists were fetched
  // (and by the active rows' own progress subscriptions), newest state per id.
  const [changed, setChanged] = useState<Map<string, Snapshot>>(new Map());
  const offer = useCallback((s: Snapshot) => setChanged((m) => (isCurrent(m.get(s.id), s) ? new Map(m).set(s.id, s) : m)), []);
  useEffect(() => subscribe(live, ClientExecutionsChangedDocument, {}, { next: ({ executionsChanged: s }) => offer(s) }), [live, offer]);
  const programNames = useMemo(() => new Map((names.data?.programs.data ?? []).map((p) => [p.id, p.name])), [names.data]);

  const rows = useMemo(() => {
    const all = new Map<string, Snapshot>();
    for (const e of [...(recent.data?.programExecutions.data ?? []), ...(active.data?.programExecutions.data ?? []), ...changed.values()]) {
      if (isCurrent(all.get(e.id), e)) all.set(e.id, e);
    }
    return [...all.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }, [active.data, recent.data, changed]);
  const activeRows = rows.filter((e) => ACTIVE.has(e.status) || !isFinished(e));
  const recentRows = rows.filter((e) => !activeRows.includes(e));
  const error = active.error ?? recent.error;

  return (
    <main id="main">
      <h1>Executions</h1>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <ExecutionTable title="Active" rows={activeRows} programNames={programNames} onLive={offer} empty={active.loading ? "Loading…" : "No active executions. Launch one from Programs."} />
      <ExecutionTable title="Recent" rows={recentRows} programNames={programNames} empty={recent.loading ? "Loading…" : "No finished executions yet."} />
    </main>
  );
}

function ExecutionTable(props: { title: string; rows: Snapshot[]; programNames: Map<string, string>; empty: string; onLive?: (s: Snapshot) => void }) {
  const id = `executions-${props.title.toLowerCase()}`;
  return (
    <section class="panel" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.rows.length === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <div class="table-wrap">
          <table class="executions">
            <thead>
              <tr>
                <th scope="col">Program</th>
                <th scope="col">Status</th>
                <th scope="col" class="wide">Progress</th>
                <th scope="col" class="num">Done</th>
                <th scope="col" class="num">Completed</th>
                <th scope="col" class="num">Failed</th>
                <th scope="col" class="num">Skipped</th>
                <th scope="col" class="num">Total</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((e) =>
                props.onLive ? (
                  <LiveRow key={e.id} execution={e} programName={props.programNames.get(e.programId)} onSnapshot={props.onLive} />
                ) : (
                  <Row key={e.id} execution={e} programName={props.programNames.get(e.programId)} />
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** An active row follows its own execution's progress subscription and hands each snapshot to the page. */
function LiveRow(props: { execution: Snapshot; programName?: string; onSnapshot: (s: Snapshot) => void }) {
  useExecutionProgress(props.execution.id, props.execution, props.onSnapshot);
  return <Row execution={props.execution} programName={props.programName} />;
}

function Row(props: { execution: Snapshot; programName?: string }) {
  const e = props.execution;
  return (
    <tr data-execution-id={e.id}>
      <td>
        <Link href={`/dashboard/executions/${e.id}`}>{props.programName ?? e.programId.slice(0, 8)}</Link>
      </td>
      <td>
        <ExecutionStatus execution={e} />
      </td>
      <td class="wide">
        <ProgressBar execution={e} compact />
      </td>
      <td class="num">{percentDone(e).toFixed(0)}%</td>
      <td class="num">{e.contactsCompleted}</td>
      <td class="num">{e.contactsFailed}</td>
      <td class="num">{e.contactsSkipped}</td>
      <td class="num">{e.totalContacts}</td>
      <td>{when(e.actualStartAt)}</td>
    </tr>
  );
}
