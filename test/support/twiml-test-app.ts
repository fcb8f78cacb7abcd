/**
 * A tiny TwiML application for the carrier emulator's own tests: a node:http server that checks the
 * `X-Twilio-Signature` of every request with `twilio.validateRequest`, records it, and answers with the TwiML
 * a test registered for the path (status callbacks get an empty 204).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import twilio from "twilio";

export interface AppRequest {
  method: string;
  path: string;
  /** the full URL as received, the one the signature covers */
  url: string;
  params: Record<string, string>;
  signature: string;
  signatureValid: boolean;
  atMs: number;
}

type Route = (params: Record<string, string>, req: AppRequest) => string | { status: number; body?: string };

export interface TwimlTestApp {
  baseUrl: string;
  requests: AppRequest[];
  /** TwiML (or a status) answered at a path; status callbacks should go to a path without a route. */
  route(path: string, answer: string | Route): void;
  requestsFor(callSid: string, path?: string): AppRequest[];
  stop(): Promise<void>;
}

export async function startTwimlTestApp(authToken: string): Promise<TwimlTestApp> {
  const routes = new Map<string, Route>();
  const requests: AppRequest[] = [];
  let baseUrl = "";
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const url = `${baseUrl}${req.url}`;
      const parsed = new URL(url);
      const params = Object.fromEntries(new URLSearchParams(req.method === "POST" ? body : "").entries());
      const signature = String(req.headers["x-twilio-signature"] ?? "");
      // A GET carries its parameters in the query string, which the signed URL already holds.
      const signedParams = req.method === "POST" ? params : {};
      const entry: AppRequest = {
        method: req.method ?? "",
        path: parsed.pathname,
        url,
        params: req.method === "POST" ? params : Object.fromEntries(parsed.searchParams.entries()),
        signature,
        signatureValid: twilio.validateRequest(authToken, signature, url, signedParams),
        atMs: Date.now(),
      };
      requests.push(entry);
      const route = routes.get(parsed.pathname);
      if (!entry.signatureValid) return void res.writeHead(403).end("bad signature");
      if (!route) return void res.writeHead(204).end();
      const answer = route(entry.params, entry);
      if (typeof answer === "string") return void res.writeHead(200, { "content-type": "text/xml" }).end(answer);
      res.writeHead(answer.status).end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    route: (path, answer) => void routes.set(path, typeof answer === "string" ? () => answer : answer),
    requestsFor: (callSid, path) => requests.filter((r) => r.params.CallSid === callSid && (path === undefined || r.path === path)),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
