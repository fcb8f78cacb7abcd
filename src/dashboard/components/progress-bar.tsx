import type { Snapshot } from "../../client/progress";

/** The parts of the bar, in order, with their counter and legend label. */
export const OUTCOMES = [
  { field: "contactsCompleted", label: "completed", class: "seg-completed" },
  { field: "contactsFailed", label: "failed", class: "seg-failed" },
  { field: "contactsSkipped", label: "skipped", class: "seg-skipped" },
  { field: "contactsInProgress", label: "in progress", class: "seg-inprogress" },
  { field: "contactsPending", label: "pending", class: "seg-pending" },
] as const;

/** Progress by outcome: one segment per counter, widths proportional to the total. */
export function ProgressBar(props: { execution: Snapshot; compact?: boolean }) {
  const e = props.execution;
  const total = Math.max(1, e.totalContacts);
  const summary = OUTCOMES.map((o) => `${e[o.field]} ${o.label}`).join(", ");
  return (
    <div class={`progress${props.compact ? " progress-compact" : ""}`} role="img" aria-label={`${summary} of ${e.totalContacts}`} title={summary}>
      {OUTCOMES.map((o) => (e[o.field] > 0 ? <span key={o.field} class={`seg ${o.class}`} style={{ width: `${(100 * e[o.field]) / total}%` }} /> : null))}
    </div>
  );
}
