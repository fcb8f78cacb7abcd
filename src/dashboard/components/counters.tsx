import type { CounterField, Snapshot } from "../../client/progress";

const LABELS: Record<CounterField, string> = {
  totalContacts: "Total",
  contactsCompleted: "Completed",
  contactsFailed: "Failed",
  contactsSkipped: "Skipped",
  contactsInProgress: "In progress",
  contactsPending: "Pending",
};
const ORDER: CounterField[] = ["totalContacts", "contactsCompleted", "contactsFailed", "contactsSkipped", "contactsInProgress", "contactsPending"];

/** Every counter in an element with `data-counter="<field>"`, the number alone as its text. */
export function Counters(props: { execution: Snapshot }) {
  return (
    <dl class="counters">
      {ORDER.map((f) => (
        <div key={f} class={`counter counter-${f}`}>
          <dt>{LABELS[f]}</dt>
          <dd data-counter={f}>{props.execution[f]}</dd>
        </div>
      ))}
    </dl>
  );
}
