import { ClassType, Field, Int, ObjectType } from "type-graphql";
import type { z } from "zod";
import { doc } from "./docs";
import { pageMetaSchema } from "./page.schema";

const meta = (field: string) => ({ description: doc(pageMetaSchema, field) });

@ObjectType({ description: doc(pageMetaSchema) })
export class PageMeta {
  @Field(() => Int, meta("page")) page!: number;
  @Field(() => Int, meta("limit")) limit!: number;
  @Field(() => Int, meta("total")) total!: number;
  @Field(() => Int, meta("totalPages")) totalPages!: number;
  @Field(meta("hasNextPage")) hasNextPage!: boolean;
  @Field(meta("hasPreviousPage")) hasPreviousPage!: boolean;
}

/** `{ data, meta }` page type for an item type, named `<Item>Page`, described by the REST page schema. */
export function PageType<T extends object>(item: ClassType<T>, name: string, schema: z.ZodType) {
  @ObjectType(`${name}Page`, { description: doc(schema) })
  class PageClass {
    @Field(() => [item], { description: doc(schema, "data") }) data!: T[];
    @Field(() => PageMeta, { description: doc(schema, "meta") }) meta!: PageMeta;
  }
  return PageClass;
}
