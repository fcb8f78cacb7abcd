import { ClassType, Field, Int, ObjectType } from "type-graphql";

@ObjectType()
export class PageMeta {
  @Field(() => Int) page!: number;
  @Field(() => Int) limit!: number;
  @Field(() => Int) total!: number;
  @Field(() => Int) totalPages!: number;
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
}

/** `{ data, meta }` page type for an item type, named `<Item>Page`. */
export function PageType<T extends object>(item: ClassType<T>, name: string) {
  @ObjectType(`${name}Page`)
  class PageClass {
    @Field(() => [item]) data!: T[];
    @Field(() => PageMeta) meta!: PageMeta;
  }
  return PageClass;
}
