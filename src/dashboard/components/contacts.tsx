import { useEffect, useState } from "preact/hooks";
import {
  ClientCallAttemptsDocument,
  ClientCallAttemptsQuery,
  ClientExecutionContactsDocument,
  ExecutionContactStatus,
} from "../../client/generated/graphql";
import { isFinished, type Snapshot } from "../../client/progress";
import { messageOf, useQuery, useThrottled } from "../hooks";
import { useSession } from "../session";

type Attempt = ClientCallAttemptsQuery["callAttempts"]["data"][number];

const TABS: Array<{ status: ExecutionContactStatus | null; label: string; count: (e: Snapshot) => number }> = [
  { status: null, label: "All", count: (e) => e.totalContacts },
  { status: "PENDING", label: "Pending", count: (e) => e.contactsPending },
  { status: "IN_PROGRESS", label: "In progress", count: (e) => e.contactsInProgress },
  { status: "COMPLETED", label: "Completed", count: (e) => e.contactsCompleted },
  { status: "FAILED", label: "Failed", count: (e) => e.contactsFailed },
  { status: "SKIPPED", label: "Skipped", count: (e) => e.contactsSkipped },
];

const PAGE_SIZE = 20;
const isLink = (v: unknown): v is string => typeof v === "string" && /^https?:\/\/\S+$/i.test(v);
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleTimeString() : "–");
const word = (s: string) => s.toLowerCase().replace(/_/g, " ");

/** The execution's contacts by status, a page at a time, refreshed as the execution moves; each with its attempts. */
export function ContactsByStatus(props: { execution: Snapshot }) {
  const e = props.execution;
  const [status, setStatus] = useState<ExecutionContactStatus | null>(null);
  const [page, setPage] = useState(1);
  const contacts = useQuery(ClientExecutionContactsDocument, { executionId: e.id, status, page, limit: PAGE_SIZE }, `${e.id}|${status}|${page}`);
  // At most one refresh every 2 s however fast events come; at once when the execution has finished.
  const refresh = useThrottled(contacts.refetch, 2_000);
  const finished = isFinished(e);
  useEffect(() => refresh(), [e.sequence, refresh]);
  useEffect(() => void (finished && contacts.refetch()), [finished, contacts.refetch]);
  const meta = contacts.data?.executionContacts.meta;
  return (
    <section class="panel" aria-labelledby="contacts-title">
      <h2 id="contacts-title">Contacts</h2>
      <div class="tabs" role="tablist" aria-label="Contacts by status">
        {TABS.map((t) => (
          <button
            key={t.label}
            type="button"
            role="tab"
            aria-selected={status === t.status}
            onClick={() => {
              setStatus(t.status);
              setPage(1);
            }}
          >
            {t.label} <span class="tab-count">{t.count(e)}</span>
          </button>
        ))}
      </div>
      {contacts.error ? <p class="error" role="alert">{contacts.error}</p> : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Phone</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Attempts</th>
              <th scope="col">Last outcome</th>
              <th scope="col">Next attempt</th>
              <th scope="col"><span class="visually-hidden">Details</span></th>
            </tr>
          </thead>
          <tbody>
            {(contacts.data?.executionContacts.data ?? []).map((c) => (
              <ContactRow key={c.contactId} executionId={e.id} contact={c} />
            ))}
          </tbody>
        </table>
      </div>
      {meta && meta.total === 0 ? <p class="muted">No contacts in this status.</p> : null}
      {meta && meta.totalPages > 1 ? (
        <nav class="pager" aria-label="Contacts pages">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            Page {meta.page} of {meta.totalPages}
          </span>
          <button type="button" disabled={page >= meta.totalPages} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </nav>
      ) : null}
    </section>
  );
}

function ContactRow(props: {
  executionId: string;
  contact: { contactId: string; primaryPhone: string; status: ExecutionContactStatus; attempts: number; lastOutcome: string | null; nextAttemptAt: string | null };
}) {
  const c = props.contact;
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr>
        <td class="mono">{c.primaryPhone}</td>
        <td>
          <span class={`pill pill-${c.status.toLowerCase()}`}>{word(c.status)}</span>
        </td>
        <td class="num">{c.attempts}</td>
        <td>{c.lastOutcome ?? "–"}</td>
        <td>{when(c.nextAttemptAt)}</td>
        <td>
          <button type="button" class="link-button" aria-expanded={open} onClick={() => setOpen(!open)} disabled={c.attempts === 0}>
            {open ? "Hide attempts" : "Attempts"}
          </button>
        </td>
      </tr>
      {open ? (
        <tr class="attempts-row">
          <td colSpan={6}>
            <Attempts executionId={props.executionId} contactId={c.contactId} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function Attempts(props: { executionId: string; contactId: string }) {
  const { request } = useSession();
  const [attempts, setAttempts] = useState<Attempt[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    request(ClientCallAttemptsDocument, { executionId: props.executionId, contactId: props.contactId }).then(
      (d) => setAttempts([...d.callAttempts.data].sort((a, b) => a.attemptNumber - b.attemptNumber)),
      (err) => setError(messageOf(err)),
    );
  }, [props.executionId, props.contactId, request]);
  if (error) return <p class="error" role="alert">{error}</p>;
  if (!attempts) return <p class="muted">Loading attempts…</p>;
  return (
    <ol class="attempts">
      {attempts.map((a) => (
        <li key={a.id}>
          <strong>#{a.attemptNumber}</strong> {a.outcome ?? "in call"}
          {a.failureReason ? ` (${a.failureReason})` : ""}
          {a.flowOutcome ? `, flow ${a.flowOutcome}` : ""} · {when(a.startedAt)}
          {a.durationMs !== null ? ` · ${(a.durationMs / 1000).toFixed(1)} s` : ""}
          {a.path?.length ? <div class="mono small">path: {a.path.join(" → ")}</div> : null}
          {a.variables && Object.keys(a.variables).length ? (
            <dl class="variables">
              {Object.entries(a.variables).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>
                    {isLink(v) ? (
                      <a href={v} title={v} target="_blank" rel="noopener noreferrer">
                        recording
                      </a>
                    ) : (
                      <span class="mono">{JSON.stringify(v)}</span>
                    )}
                  </dd>
                </div>
              ))}
            </dl>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
