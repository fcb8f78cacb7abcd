import type { Db } from "../../db/db";
import { FlowVersion } from "../flow/flow.entity";
import type { FlowDefinition } from "../flow/flow.types";

export interface CachedFlow {
  flow: FlowDefinition;
  /** Whether the flow reads contact data beyond the phone (the snapshot has the phone; the rest is a read). */
  readsContact: boolean;
}

/** Flow versions never change once written, so each is read once per process (bounded, oldest evicted first). */
export class FlowCache {
  private readonly entries = new Map<string, Promise<CachedFlow>>();

  constructor(
    private readonly db: Db,
    private readonly max = 500,
  ) {}

  get(flowId: string, version: number): Promise<CachedFlow> {
    const key = `${flowId}:${version}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.db
        .read((r) => r.manager.findOneBy(FlowVersion, { flowId, version }))
        .then((v) => {
          if (!v) throw new Error(`flow ${flowId} version ${version} not found`);
          return { flow: { startNodeId: v.startNodeId, nodes: v.nodes }, readsContact: v.nodes.some((n) => readsContact(n.config)) };
        });
      // A failed read is not remembered: the next call tries again.
      entry.catch(() => this.entries.delete(key));
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, entry);
    }
    return entry;
  }
}

/** Whether a node config holds a value source that reads the contact's stored fields. */
function readsContact(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(readsContact);
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.source === "customAttribute" || (v.source === "contactField" && v.field !== "phone")) return true;
  return Object.values(v).some(readsContact);
}
