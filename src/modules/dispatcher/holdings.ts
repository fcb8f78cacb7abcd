/** A claim this process holds: its call is being placed or runs here, or its result awaits the write. */
export interface Held {
  executionId: string;
  contactId: string;
  /** The claim token (the attempt's id). */
  attemptId: string;
  attemptNumber: number;
  phone: string;
  fromNumber: string;
  startedAt: number;
  /** Our estimate of the lease expiry written in the database (never later than the real one). */
  leaseUntil: number;
  controller: AbortController;
}

/**
 * What this process holds, shared by the dispatcher's parts (claimer, placer, lease keeper, completion), so that no
 * part needs another: executionId → contactId → claim.
 */
export class Holdings {
  private readonly byExecution = new Map<string, Map<string, Held>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Holds a new claim. Still holding an older claim of the contact means its lease was lost here: that call ends. */
  hold(h: Omit<Held, "controller">): Held {
    let byContact = this.byExecution.get(h.executionId);
    if (!byContact) this.byExecution.set(h.executionId, (byContact = new Map()));
    const stale = byContact.get(h.contactId);
    if (stale) this.release(stale, new Error("lease lost"));
    const entry: Held = { ...h, controller: new AbortController() };
    byContact.set(h.contactId, entry);
    this.count++;
    return entry;
  }

  /** Forgets a claim (written, handed to the carrier, or left to its lease); aborts its call when given a reason. */
  release(h: Held, abortReason?: Error): void {
    if (abortReason && !h.controller.signal.aborted) h.controller.abort(abortReason);
    const byContact = this.byExecution.get(h.executionId);
    if (byContact?.get(h.contactId) !== h) return;
    byContact.delete(h.contactId);
    if (byContact.size === 0) this.byExecution.delete(h.executionId);
    this.count--;
  }

  get(executionId: string, contactId: string): Held | undefined {
    return this.byExecution.get(executionId)?.get(contactId);
  }

  /** A snapshot of the claims per execution (safe to release while iterating). */
  executions(): Array<[string, Held[]]> {
    return [...this.byExecution].map(([id, byContact]) => [id, [...byContact.values()]]);
  }

  abortAll(reason: Error): void {
    for (const [, list] of this.executions()) for (const h of list) if (!h.controller.signal.aborted) h.controller.abort(reason);
  }
}
