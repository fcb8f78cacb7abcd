import { useState } from "preact/hooks";
import { messageOf } from "../hooks";

/**
 * A button that asks before it acts. The API's error message is shown as it comes when the move is refused (the
 * page may have been showing an older state than the server's).
 */
export function ConfirmAction(props: {
  label: string;
  question: string;
  action: () => Promise<unknown>;
  disabled?: boolean;
  danger?: boolean;
  name: string;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.action();
      setAsking(false);
    } catch (err) {
      setError(messageOf(err));
      setAsking(false);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="confirm-action" data-action={props.name}>
      {asking ? (
        <div class="confirm" role="group" aria-label={props.question}>
          <span>{props.question}</span>
          <button type="button" class={props.danger ? "danger" : "primary"} disabled={busy} onClick={run} data-confirm={props.name}>
            {busy ? "Working…" : `Yes, ${props.label.toLowerCase()}`}
          </button>
          <button type="button" disabled={busy} onClick={() => setAsking(false)}>
            No
          </button>
        </div>
      ) : (
        <button
          type="button"
          class={props.danger ? "danger-outline" : undefined}
          disabled={props.disabled}
          onClick={() => {
            setError(null);
            setAsking(true);
          }}
        >
          {props.label}
        </button>
      )}
      {error ? (
        <p class="error" role="alert" data-error={props.name}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
