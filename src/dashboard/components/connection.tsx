import type { ConnectionState } from "../../client/live";

const TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  refused: "Key refused",
};

/** The live connection's state, always visible; `data-connection` carries it for scripts. */
export function ConnectionBadge(props: { state: ConnectionState }) {
  return (
    <span class={`connection connection-${props.state}`} data-connection={props.state} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />
      {TEXT[props.state]}
    </span>
  );
}
