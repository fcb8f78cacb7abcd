import { randomUUID } from "node:crypto";
import { Db, Reader, Tx } from "../../db/db";
import { insertRow } from "../../db/db";
import { findOrgPage } from "../../db/org-page";
import type { Clock } from "../../shared/clock";
import { NotFoundError, ResourceInUseError, ValidationError } from "../../shared/errors";
import { Page, parsePage } from "../../shared/pagination";
import { isUuid } from "../../shared/validation";
import { Flow, FlowRecord, FlowVersion } from "./flow.entity";
import type { FlowDefinition } from "./flow.types";
import { parseFlowInput } from "./flow.validation";

export class FlowService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async createFlow(organizationId: string, input: unknown): Promise<Flow> {
    const { name, definition } = this.parse(input);
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const record = tx.manager.create(FlowRecord, { id: randomUUID(), organizationId, name, version: 1, createdAt: now, updatedAt: now });
      await insertRow(tx, FlowRecord, record);
      const version = tx.manager.create(FlowVersion, { flowId: record.id, version: 1, ...definition, createdAt: now });
      await insertRow(tx, FlowVersion, version);
      return toFlow(record, version);
    });
  }

  /** Every update appends a new version; executions keep the version they were launched with. */
  async updateFlow(organizationId: string, id: string, input: unknown): Promise<Flow> {
    const { name, definition } = this.parse(input);
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const record = await this.mustFind(tx, organizationId, id);
      const next = record.version + 1;
      // Compare-and-set on the version so two concurrent updates cannot both write version n+1.
      const moved = await tx.execute("UPDATE flows SET version = ?, name = ?, updated_at = ? WHERE id = ? AND version = ?", [
        next,
        name,
        now.getTime(),
        id,
        record.version,
      ]);
      if (moved !== 1) throw new ValidationError("the flow was updated concurrently; retry", "id");
      const version = tx.manager.create(FlowVersion, { flowId: id, version: next, ...definition, createdAt: now });
      await insertRow(tx, FlowVersion, version);
      Object.assign(record, { version: next, name, updatedAt: now });
      return toFlow(record, version);
    });
  }

  async deleteFlow(organizationId: string, id: string): Promise<Flow> {
    return this.db.transaction(async (tx) => {
      const record = await this.mustFind(tx, organizationId, id);
      const users = await tx.query<{ id: string }>("SELECT id FROM programs WHERE flow_id = ? AND status <> 'archived' LIMIT 5", [id]);
      if (users.length) throw new ResourceInUseError(`Flow ${id} is used by program(s) ${users.map((u) => u.id).join(", ")}; archive them first`);
      const flow = await this.load(tx, record);
      // Versions stay: finished executions still name the version they ran.
      await tx.execute("DELETE FROM flows WHERE id = ?", [id]);
      return flow;
    });
  }

  async getFlow(organizationId: string, id: string): Promise<Flow | null> {
    if (!isUuid(id)) return null;
    return this.db.read(async (r) => {
      const record = await r.manager.findOneBy(FlowRecord, { organizationId, id });
      return record ? this.load(r, record) : null;
    });
  }

  async listFlows(organizationId: string, page: { page?: unknown; limit?: unknown }): Promise<Page<Flow>> {
    const req = parsePage(page);
    return this.db.read(async (r) => {
      const records = await findOrgPage(r, FlowRecord, organizationId, req);
      const data: Flow[] = [];
      for (const rec of records.data) data.push(await this.load(r, rec));
      return { data, meta: records.meta };
    });
  }

  /** The graph of one version, for the dispatcher (an execution pins its version). */
  async getVersion(flowId: string, version: number): Promise<FlowDefinition | null> {
    return this.db.read(async (r) => {
      const v = await r.manager.findOneBy(FlowVersion, { flowId, version });
      return v ? { startNodeId: v.startNodeId, nodes: v.nodes } : null;
    });
  }

  private parse(input: unknown): { name: string; definition: FlowDefinition } {
    const { name, startNodeId, nodes } = parseFlowInput(input);
    return { name, definition: { startNodeId, nodes } };
  }

  private async mustFind(tx: Tx, organizationId: string, id: string): Promise<FlowRecord> {
    const record = isUuid(id) ? await tx.manager.findOneBy(FlowRecord, { organizationId, id }) : null;
    if (!record) throw new NotFoundError("Flow", id);
    return record;
  }

  private async load(r: Reader, record: FlowRecord): Promise<Flow> {
    const version = await r.manager.findOneByOrFail(FlowVersion, { flowId: record.id, version: record.version });
    return toFlow(record, version);
  }
}

function toFlow(record: FlowRecord, version: FlowVersion): Flow {
  return Object.assign(new Flow(), {
    id: record.id,
    name: record.name,
    version: record.version,
    startNodeId: version.startNodeId,
    nodes: version.nodes,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  });
}
