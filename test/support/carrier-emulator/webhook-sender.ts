/** Sends the emulator's requests to the application, signed as Twilio signs them, over keep-alive sockets. */
import http from "node:http";
import https from "node:https";
import twilio from "twilio";

export interface WebhookResult {
  /** HTTP status; null when the request failed (refused, reset, timed out) */
  status: number | null;
  body: string;
  ms: number;
  error: string | null;
}

/** Bodies above this are cut off: TwiML documents are small, and a status callback's answer is ignored. */
const MAX_BODY = 256 * 1024;

export class WebhookSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly authToken: string,
    private readonly timeoutMs: number,
    maxSockets: number,
  ) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  }

  /**
   * The URL a request goes to and its `X-Twilio-Signature`: HMAC-SHA1 over the exact URL followed by the POST
   * parameters sorted by name; a GET carries its parameters in the query string and signs the whole URL.
   */
  sign(url: string, method: "GET" | "POST", params: Record<string, string>): { url: string; signature: string; body: string } {
    const form = new URLSearchParams(params).toString();
    if (method === "GET") {
      const full = form ? `${url}${url.includes("?") ? "&" : "?"}${form}` : url;
      return { url: full, signature: twilio.getExpectedTwilioSignature(this.authToken, full, {}), body: "" };
    }
    return { url, signature: twilio.getExpectedTwilioSignature(this.authToken, url, params), body: form };
  }

  /** Sends one request; never rejects. */
  send(url: string, method: "GET" | "POST", params: Record<string, string>): Promise<WebhookResult> {
    const started = performance.now();
    const done = (status: number | null, body: string, error: string | null): WebhookResult => ({
      status,
      body,
      ms: performance.now() - started,
      error,
    });
    let signed: ReturnType<WebhookSender["sign"]>;
    let target: URL;
    try {
      signed = this.sign(url, method, params);
      target = new URL(signed.url);
    } catch (err) {
      return Promise.resolve(done(null, "", `bad URL ${url}: ${(err as Error).message}`));
    }
    const secure = target.protocol === "https:";
    const headers: Record<string, string | number> = {
      "x-twilio-signature": signed.signature,
      "user-agent": "TwilioProxy/1.1",
      accept: "*/*",
    };
    if (method === "POST") {
      headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
      headers["content-length"] = Buffer.byteLength(signed.body);
    }
    return new Promise((resolve) => {
      const req = (secure ? https : http).request(
        target,
        { method, headers, agent: secure ? this.httpsAgent : this.httpAgent, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size <= MAX_BODY) chunks.push(c);
          });
          res.on("end", () => resolve(done(res.statusCode ?? null, Buffer.concat(chunks).toString("utf8"), null)));
          res.on("error", (err) => resolve(done(null, "", err.message)));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on("error", (err) => resolve(done(null, "", err.message)));
      req.end(signed.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
