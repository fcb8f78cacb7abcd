import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";

/** One GraphQL error as the API formats it (`extensions.code` names the problem). */
export interface ApiErrorEntry {
  message: string;
  extensions?: { code?: string };
}

/** A refused request: the API's own message and code, or a transport failure (code `NETWORK_ERROR`). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly httpStatus: number | null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * POSTs a typed document to `${baseUrl}/graphql` with the API key, answering the data or throwing an ApiError that
 * carries the first error's message and code. Works in the browser and in Node (both have fetch).
 */
export async function graphqlRequest<TResult, TVariables>(
  baseUrl: string,
  apiKey: string,
  document: DocumentTypeDecoration<TResult, TVariables>,
  variables?: TVariables,
): Promise<TResult> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body: JSON.stringify({ query: String(document), variables: variables ?? {} }),
    });
  } catch (err) {
    throw new ApiError(`Cannot reach ${baseUrl}: ${(err as Error).message}`, "NETWORK_ERROR", null);
  }
  let body: { data?: TResult | null; errors?: ApiErrorEntry[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ApiError(`${baseUrl}/graphql answered HTTP ${res.status} without a GraphQL body`, "NETWORK_ERROR", res.status);
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.message, first.extensions?.code ?? "UNKNOWN", res.status);
  if (!body.data) throw new ApiError(`${baseUrl}/graphql answered HTTP ${res.status} without data`, "UNKNOWN", res.status);
  return body.data;
}
