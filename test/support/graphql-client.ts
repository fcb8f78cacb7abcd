import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; problems?: Array<{ field: string; message: string }> } }>;
}

/** POSTs a typed document to /graphql over real HTTP. */
export async function gql<TResult, TVars>(
  baseUrl: string,
  apiKey: string | null,
  doc: TypedDocumentNode<TResult, TVars>,
  variables?: TVars,
): Promise<GraphQLResponse<TResult>> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(apiKey ? { "x-api-key": apiKey } : {}) },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResponse<TResult>, "status">;
  return { status: res.status, ...body };
}

/** Like gql, but throws on any error, answering the data. */
export async function gqlOk<TResult, TVars>(baseUrl: string, apiKey: string, doc: TypedDocumentNode<TResult, TVars>, variables?: TVars): Promise<TResult> {
  const r = await gql(baseUrl, apiKey, doc, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL error: ${JSON.stringify(r.errors)}`);
  return r.data;
}
