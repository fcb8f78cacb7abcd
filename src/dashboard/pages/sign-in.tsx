import { useState } from "preact/hooks";
import type { TargetedSubmitEvent } from "preact";
import { ClientSignInCheckDocument } from "../../client/generated/graphql";
import { ApiError, graphqlRequest } from "../../client/http";
import { apiBase } from "../session";

/** Asks for an API key and checks it with one query before keeping it for this browser session. */
export function SignIn(props: { onSignedIn: (key: string) => void; notice: string | null }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(props.notice);
  const [busy, setBusy] = useState(false);
  const submit = async (e: TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const apiKey = key.trim();
    if (!apiKey) return setError("Enter an API key.");
    setBusy(true);
    setError(null);
    try {
      await graphqlRequest(apiBase(), apiKey, ClientSignInCheckDocument);
      props.onSignedIn(apiKey);
    } catch (err) {
      if (err instanceof ApiError && err.code === "UNAUTHENTICATED") setError(`This API key was refused (HTTP ${err.httpStatus} UNAUTHENTICATED): ${err.message}`);
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>Voicecast</h1>
      <form onSubmit={submit} class="panel">
        <label for="apiKey">API key</label>
        <input
          id="apiKey"
          name="apiKey"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby="apiKey-help"
          aria-invalid={error ? true : undefined}
        />
        <p id="apiKey-help" class="muted small">
          Kept in this browser tab only (session storage) and sent as <code>x-api-key</code>.
        </p>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
        {error ? (
          <p class="error" role="alert" data-error="sign-in">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
