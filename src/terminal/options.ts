/** Where the terminal commands find the API: flags first, then VOICECAST_URL / VOICECAST_API_KEY. */
export interface ApiTarget {
  url: string;
  key: string;
}

export const DEFAULT_URL = "http://localhost:4000";

/** Thrown for a problem the user can fix; the CLI prints the message alone and exits 1. */
export class TerminalError extends Error {}

export function apiTarget(flags: { url?: string; key?: string }, env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const url = (flags.url ?? env.VOICECAST_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(url)) throw new TerminalError(`--url must be an http(s) URL such as ${DEFAULT_URL}, got "${url}"`);
  const key = flags.key ?? env.VOICECAST_API_KEY;
  if (!key) throw new TerminalError("no API key: pass --key KEY or set VOICECAST_API_KEY");
  return { url, key };
}

/** ws(s):// URL of the GraphQL endpoint for an http(s) base URL. */
export function webSocketUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/graphql`;
}

/** The API refused the key over HTTP: say so the same way everywhere. */
export function badKeyMessage(how: string): string {
  return `the server refused the API key (${how}): pass --key KEY or set VOICECAST_API_KEY`;
}
