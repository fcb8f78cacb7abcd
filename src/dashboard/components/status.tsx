import type { Snapshot } from "../../client/progress";

/**
 * The one place an execution's status is shown. The glossary's words are the REST values (lower case). When the
 * API gains `effectiveStatus` (paused_manual, paused_window, …), show it here: `execution.effectiveStatus ?? execution.status`.
 */
export function ExecutionStatus(props: { execution: Snapshot }) {
  const shown = props.execution.status;
  const word = shown.toLowerCase();
  return (
    <span class={`status status-${word.split("_")[0]}`} data-field="status" data-value={shown}>
      {word.replace(/_/g, " ")}
    </span>
  );
}
