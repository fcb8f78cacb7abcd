import type { EntityTarget, FindManyOptions } from "typeorm";
import { Page, pageOf, PageRequest } from "../shared/pagination";
import type { Reader } from "./db";

/** One page of an organization's rows, newest first (ties broken by id so pages never overlap). */
export async function findOrgPage<T extends { organizationId: string; createdAt: Date; id: string }>(
  r: Reader,
  entity: EntityTarget<T>,
  organizationId: string,
  req: PageRequest,
): Promise<Page<T>> {
  const options = { where: { organizationId }, order: { createdAt: "DESC", id: "DESC" }, skip: req.offset, take: req.limit } as FindManyOptions<T>;
  const [data, total] = await r.manager.findAndCount(entity, options);
  return pageOf(data, total, req);
}
