import type { Client } from "graphql-ws";
import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";
import { createContext, type ComponentChildren } from "preact";
import { useCallback, useContext, useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, graphqlRequest } from "../client/http";
import { ConnectionState, createLiveClient } from "../client/live";

// The key lives in sessionStorage only: it goes when the browser tab does.
const KEY_STORAGE = "voicecast.apiKey";

export function storedApiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeApiKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

export const apiBase = (): string => location.origin;
const wsUrl = () => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;

/** Everything a page needs to reach the API as the signed-in organization. */
export interface Session {
  request<TResult, TVariables>(document: DocumentTypeDecoration<TResult, TVariables>, variables?: TVariables): Promise<TResult>;
  live: Client;
  connection: ConnectionState;
  /** Bumped after every reconnect: fetched lists may have missed events while the socket was down. */
  reconnects: number;
  signOut(reason?: string): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in page");
  return s;
}

export const BAD_KEY_ON_SOCKET = "The server refused this API key on the live connection (WebSocket closed 4403). Sign in again.";

/** Opens one live connection for the key and provides the session to the pages under it. */
export function SessionProvider(props: { apiKey: string; onSignOut: (reason?: string) => void; children: ComponentChildren }) {
  const { apiKey, onSignOut } = props;
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [reconnects, setReconnects] = useState(0);
  const live = useMemo(
    () =>
      createLiveClient({
        url: wsUrl(),
        apiKey,
        eager: true,
        onState: (state) => setConnection(state),
        onReconnected: () => setReconnects((n) => n + 1),
      }),
    [apiKey],
  );
  useEffect(() => () => void live.dispose(), [live]);
  useEffect(() => {
    if (connection === "refused") onSignOut(BAD_KEY_ON_SOCKET);
  }, [connection, onSignOut]);

  // Stable across connection changes, so queries do not run again whenever the socket's state moves.
  const request = useCallback<Session["request"]>(
    async (document, variables) => {
      try {
        return await graphqlRequest(apiBase(), apiKey, document, variables);
      } catch (err) {
        if (err instanceof ApiError && err.code === "UNAUTHENTICATED") onSignOut(`The server refused this API key (HTTP ${err.httpStatus} UNAUTHENTICATED): ${err.message}`);
        throw err;
      }
    },
    [apiKey, onSignOut],
  );
  const session = useMemo<Session>(
    () => ({ live, connection, reconnects, signOut: onSignOut, request }),
    [live, connection, reconnects, onSignOut, request],
  );
  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}
