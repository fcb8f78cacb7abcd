import { useCallback, useState } from "preact/hooks";
import { ConnectionBadge } from "./components/connection";
import { ExecutionPage } from "./pages/execution";
import { ExecutionsPage } from "./pages/executions";
import { ProgramsPage } from "./pages/programs";
import { SignIn } from "./pages/sign-in";
import { Link, useRoute } from "./router";
import { SessionProvider, storeApiKey, storedApiKey, useSession } from "./session";

export function App() {
  const [apiKey, setApiKey] = useState<string | null>(storedApiKey);
  const [notice, setNotice] = useState<string | null>(null);
  const signIn = useCallback((key: string) => {
    storeApiKey(key);
    setNotice(null);
    setApiKey(key);
  }, []);
  const signOut = useCallback((reason?: string) => {
    storeApiKey(null);
    setNotice(reason ?? null);
    setApiKey(null);
  }, []);
  if (!apiKey) return <SignIn onSignedIn={signIn} notice={notice} />;
  return (
    <SessionProvider key={apiKey} apiKey={apiKey} onSignOut={signOut}>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const route = useRoute();
  const { connection, signOut } = useSession();
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Voicecast</span>
        <nav aria-label="Main">
          <Link href="/dashboard/" aria-current={route.name === "executions" || route.name === "execution" ? "page" : undefined}>
            Executions
          </Link>
          <Link href="/dashboard/programs" aria-current={route.name === "programs" ? "page" : undefined}>
            Programs
          </Link>
        </nav>
        <ConnectionBadge state={connection} />
        <button type="button" class="link-button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      {route.name === "executions" ? <ExecutionsPage /> : null}
      {route.name === "execution" ? <ExecutionPage key={route.id} id={route.id} /> : null}
      {route.name === "programs" ? <ProgramsPage /> : null}
      {route.name === "unknown" ? (
        <main id="main">
          <h1>Not found</h1>
          <p>
            Nothing at {route.path}. <Link href="/dashboard/">Go to the executions.</Link>
          </p>
        </main>
      ) : null}
    </>
  );
}
