import { Client, ClientOptions, createClient } from "graphql-ws";
import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";
import type { ApiErrorEntry } from "./http";

/** The close code the API uses for a missing or bad key on the WebSocket. */
export const BAD_KEY_CLOSE_CODE = 4403;

export type ConnectionState = "connecting" | "live" | "reconnecting" | "refused";

export interface LiveClientOptions {
  /** ws:// or wss:// URL of /graphql. */
  url: string;
  apiKey: string;
  /** Node needs the `ws` package's WebSocket; browsers have their own. */
  webSocketImpl?: unknown;
  /** Called on every change of the connection's state. */
  onState?: (state: ConnectionState, detail?: { code?: number; reason?: string }) => void;
  /** Called after a reconnect (not the first connect): whatever was fetched before may be stale. */
  onReconnected?: () => void;
  /** Give up after this many failed reconnects in a row (default: never). */
  retryAttempts?: number;
  /** Connect at once instead of on the first subscription. */
  eager?: boolean;
}

/** Back-off between reconnects: 0.5 s, 1 s, 2 s, … up to 8 s, with up to 50 % jitter so clients spread out. */
export function reconnectDelayMs(retries: number): number {
  const base = Math.min(8_000, 500 * 2 ** retries);
  return base + Math.floor(Math.random() * base * 0.5);
}

const closeCodeOf = (e: unknown): number | undefined =>
  typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "number" ? (e as { code: number }).code : undefined;

/**
 * A graphql-ws client for the API: the key in connectionParams, reconnects with back-off on any drop except a
 * refused key (close 4403), and the connection's state reported as it changes. Subscriptions re-subscribe by
 * themselves after a reconnect; `executionProgress` then starts with the current snapshot.
 */
export function createLiveClient(opts: LiveClientOptions): Client {
  let everConnected = false;
  let refused = false;
  const options: ClientOptions = {
    url: opts.url,
    connectionParams: { "x-api-key": opts.apiKey },
    lazy: !opts.eager,
    onNonLazyError: () => undefined,
    retryAttempts: opts.retryAttempts ?? Number.POSITIVE_INFINITY,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(retries))),
    shouldRetry: (e) => closeCodeOf(e) !== BAD_KEY_CLOSE_CODE,
    on: {
      connecting: () => opts.onState?.(everConnected ? "reconnecting" : "connecting"),
      connected: () => {
        const again = everConnected;
        everConnected = true;
        opts.onState?.("live");
        if (again) opts.onReconnected?.();
      },
      closed: (event) => {
        const code = closeCodeOf(event);
        if (code === BAD_KEY_CLOSE_CODE) {
          refused = true;
          opts.onState?.("refused", { code, reason: (event as { reason?: string }).reason });
        } else if (!refused && code !== 1000) {
          // 1000 is a normal close: the client was disposed, or it had nothing left to follow.
          opts.onState?.(everConnected ? "reconnecting" : "connecting", { code });
        }
      },
    },
  };
  if (opts.webSocketImpl) options.webSocketImpl = opts.webSocketImpl;
  return createClient(options);
}

export interface SubscriptionHandlers<T> {
  next: (data: T) => void;
  /** GraphQL errors of the operation (e.g. EXECUTION_NOT_FOUND), or the socket's close event when it gave up. */
  error?: (errors: ApiErrorEntry[] | null, closeCode?: number) => void;
  complete?: () => void;
}

/** Subscribes with a typed document; answers the function that ends the subscription. */
export function subscribe<TResult, TVariables>(
  client: Client,
  document: DocumentTypeDecoration<TResult, TVariables>,
  variables: TVariables,
  handlers: SubscriptionHandlers<TResult>,
): () => void {
  return client.subscribe<TResult>(
    { query: String(document), variables: variables as Record<string, unknown> },
    {
      next: (r) => {
        if (r.errors?.length) handlers.error?.(r.errors as ApiErrorEntry[]);
        else if (r.data) handlers.next(r.data);
      },
      error: (err) => {
        if (Array.isArray(err)) handlers.error?.(err as ApiErrorEntry[]);
        else handlers.error?.(null, closeCodeOf(err));
      },
      complete: () => handlers.complete?.(),
    },
  );
}
