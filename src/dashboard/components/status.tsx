import type { Snapshot } from "../../client/progress";

/**
 * The one place an execution's status is shown: its effective status in words (why a paused one is paused, a
 * running one inside a pause window), with the status itself in `data-value` and the effective one in
 * `data-effective`. The glossary's words are the REST values (lower case).
 */
export function ExecutionStatus(props: { execution: Snapshot }) {
  const shown = props.execution.effectiveStatus ?? props.execution.status;
  const word = shown.toLowerCase();
  return (
    <span class={`status status-${word.split("_")[0]}`} data-field="status" data-value={props.execution.status} data-effective={shown}>
      {word.replace(/_/g, " ")}
    </span>
  );
}
