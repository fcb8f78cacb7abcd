import type { DocumentTypeDecoration } from "@graphql-typed-document-node/core";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ClientExecutionProgressDocument } from "../client/generated/graphql";
import { ApiError } from "../client/http";
import { subscribe } from "../client/live";
import { isCurrent, Snapshot } from "../client/progress";
import { useSession } from "./session";

export interface QueryState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  refetch: () => void;
}

export const messageOf = (err: unknown): string => (err instanceof ApiError ? err.message : err instanceof Error ? err.message : String(err));

/** Runs a query, again whenever `key` changes, after a reconnect, or on refetch(); keeps the last data meanwhile. */
export function useQuery<TResult, TVariables>(document: DocumentTypeDecoration<TResult, TVariables>, variables: TVariables, key: string): QueryState<TResult> {
  const { request, reconnects } = useSession();
  const [state, setState] = useState<{ data: TResult | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const vars = useRef(variables);
  vars.current = variables;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    request(document, vars.current).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err) => live && setState((s) => ({ data: s.data, error: messageOf(err), loading: false })),
    );
    return () => {
      live = false;
    };
  }, [document, key, tick, reconnects, request]);
  const refetch = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, refetch };
}

export interface ProgressState {
  execution: Snapshot | null;
  error: string | null;
  /** Apply a snapshot from elsewhere (a mutation's answer), with the same ordering rule. */
  offer: (s: Snapshot) => void;
}

/**
 * One execution live: the `executionProgress` subscription (current snapshot first, again after each reconnect),
 * keeping only snapshots whose `sequence` is at least the one shown.
 */
export function useExecutionProgress(executionId: string, initial?: Snapshot, onSnapshot?: (s: Snapshot) => void): ProgressState {
  const { live } = useSession();
  const [execution, setExecution] = useState<Snapshot | null>(initial ?? null);
  const [error, setError] = useState<string | null>(null);
  const shown = useRef<Snapshot | null>(initial ?? null);
  const listener = useRef(onSnapshot);
  listener.current = onSnapshot;
  const offer = useCallback((s: Snapshot) => {
    if (!isCurrent(shown.current, s)) return;
    shown.current = s;
    setExecution(s);
    listener.current?.(s);
  }, []);
  useEffect(() => {
    if (shown.current?.id !== executionId) {
      shown.current = null;
      setExecution(null);
    }
    setError(null);
    return subscribe(live, ClientExecutionProgressDocument, { executionId }, {
      next: (d) => offer(d.executionProgress),
      error: (errors, closeCode) => setError(errors?.[0]?.message ?? `The live connection ended (close ${closeCode ?? "unknown"})`),
    });
  }, [live, executionId, offer]);
  return { execution, error, offer };
}

/** Calls `fn` at most once per `ms` with the latest arguments (trailing call kept). */
export function useThrottled(fn: () => void, ms: number): () => void {
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return useCallback(() => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      last.current = Date.now();
      latest.current();
    }, wait);
  }, [ms]);
}
