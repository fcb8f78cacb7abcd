/** A GraphQL input object as a plain object without the keys the client left out (services validate the rest). */
export function plain<T extends object>(input: T | null | undefined): Record<string, unknown> {
  if (!input) return {};
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}
