import { afterAll, beforeAll, expect, it } from "vitest";
import type { App } from "../../src/app";
import { signWebhook } from "../../src/modules/webhook/webhook-signature";
import { CreateWebhookDocument, DeleteWebhookDocument, UpdateWebhookDocument, WebhookDeliveriesDocument, WebhookDocument, WebhooksDocument } from "../generated/graphql";
import { expectError, ISO_MS, restFor, UUID } from "../rest/support";
import { gql, gqlOk } from "../support/graphql-client";
import { describeEachDb } from "../support/targets";
import { newOrg, startTestApp } from "../support/test-app";
import { verifyStandardWebhook } from "./support";

it("signs exactly as the Standard Webhooks specification's published example", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const signature = signWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}');
  expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  expect(verifyStandardWebhook(secret, { id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330", signature }, '{"test": 2432232314}')).toBe(true);
  expect(verifyStandardWebhook(secret, { id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265331", signature }, '{"test": 2432232314}')).toBe(false);
});

describeEachDb("webhooks as a resource", (target) => {
  let app: App;
  let base: string;

  beforeAll(async () => {
    app = await startTestApp({ databaseUrl: target.url() });
    base = `http://127.0.0.1:${app.port}`;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("REST: create shows the secret once; get, list, patch and delete never show it", async () => {
    const { apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    const created = await api.ok("POST", "/webhooks", 201, { url: "https://example.com/hooks", events: ["execution.finished", "attempt.finished", "attempt.finished"] });
    expect(Object.keys(created).sort()).toEqual(["createdAt", "disabledReason", "enabled", "events", "id", "secret", "url"]);
    expect(created).toMatchObject({ url: "https://example.com/hooks", events: ["execution.finished", "attempt.finished"], enabled: true, disabledReason: null });
    expect(created.id).toMatch(UUID);
    expect(created.createdAt).toMatch(ISO_MS);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.secret.slice(6), "base64")).toHaveLength(24);

    const all = await api.ok("POST", "/webhooks", 201, { url: "http://127.0.0.1:9/x" });
    expect(all.events).toEqual(["execution.launched", "execution.status_changed", "attempt.finished", "contact.finalized", "execution.finished"]);
    expect(all.secret).not.toBe(created.secret);

    const got = await api.ok("GET", `/webhooks/${created.id}`, 200);
    const list = await api.ok("GET", "/webhooks?limit=10", 200);
    const patched = await api.ok("PATCH", `/webhooks/${created.id}`, 200, { enabled: false, url: "https://example.org/h" });
    for (const answer of [got, ...list.data, patched]) expect(answer).not.toHaveProperty("secret");
    expect(JSON.stringify([got, list, patched])).not.toContain(created.secret);
    expect(list.data.map((w: { id: string }) => w.id)).toEqual([all.id, created.id]);
    expect(list.meta).toMatchObject({ total: 2, page: 1 });
    expect(patched).toMatchObject({ enabled: false, url: "https://example.org/h", events: ["execution.finished", "attempt.finished"] });

    const deliveries = await api.ok("GET", `/webhooks/${created.id}/deliveries`, 200);
    expect(deliveries).toEqual({ data: [], meta: { page: 1, limit: 20, total: 0, totalPages: 0, hasNextPage: false, hasPreviousPage: false } });

    const removed = await api.ok("DELETE", `/webhooks/${created.id}`, 200);
    expect(removed.id).toBe(created.id);
    expectError(await api.get(`/webhooks/${created.id}`), 404, "WebhookNotFoundError");
    expectError(await api.get(`/webhooks/${created.id}/deliveries`), 404, "WebhookNotFoundError");
    expectError(await api.patch(`/webhooks/${created.id}`, { enabled: true }), 404, "WebhookNotFoundError");
    expectError(await api.delete("/webhooks/not-a-uuid"), 404, "WebhookNotFoundError");

    // Another organization sees none of it.
    const other = restFor(app, (await newOrg(app)).apiKey);
    expectError(await other.get(`/webhooks/${all.id}`), 404, "WebhookNotFoundError");
    expect((await other.ok("GET", "/webhooks", 200)).meta.total).toBe(0);
  });

  it("REST: a URL that is not http(s) names url, an unknown event type names events, and nothing is written", async () => {
    const { apiKey } = await newOrg(app);
    const api = restFor(app, apiKey);
    const bad: Array<[unknown, string]> = [
      [{ url: "ftp://example.com/x" }, "url"],
      [{ url: "javascript:alert(1)" }, "url"],
      [{ url: "not a url" }, "url"],
      [{}, "url"],
      [{ url: "https://example.com", events: ["execution.launched", "call.exploded"] }, "events"],
      [{ url: "https://example.com", events: [] }, "events"],
      [{ url: "https://example.com", events: "execution.launched" }, "events"],
    ];
    for (const [body, field] of bad) {
      const res = await api.post("/webhooks", body);
      expectError(res, 400, "ValidationError");
      expect(res.body.details.problems.map((p: { field: string }) => p.field), JSON.stringify(body)).toEqual([field]);
    }
    expect((await api.ok("GET", "/webhooks", 200)).meta.total).toBe(0);
    const w = await api.ok("POST", "/webhooks", 201, { url: "https://example.com" });
    const res = await api.patch(`/webhooks/${w.id}`, { url: "mailto:a@b.c", events: ["nope"] });
    expectError(res, 400, "ValidationError");
    expect(res.body.details.problems.map((p: { field: string }) => p.field)).toEqual(["url", "events"]);
    expect(res.body.message).toMatch(/url: must be an http or https URL.*events: unknown event type "nope"/);
    expect(await api.ok("GET", `/webhooks/${w.id}`, 200)).toMatchObject({ url: "https://example.com" });
  });

  it("GraphQL: the same operations; the secret is a field of createWebhook's answer only", async () => {
    const { apiKey } = await newOrg(app);
    const created = (await gqlOk(base, apiKey, CreateWebhookDocument, { input: { url: "https://example.com/g", events: ["contact.finalized"] } })).createWebhook;
    expect(created).toMatchObject({ url: "https://example.com/g", events: ["contact.finalized"], enabled: true, disabledReason: null });
    expect(created.secret).toMatch(/^whsec_/);
    const one = (await gqlOk(base, apiKey, WebhookDocument, { id: created.id })).webhook;
    expect(one).toEqual({ id: created.id, url: created.url, events: created.events, enabled: true, disabledReason: null, createdAt: created.createdAt });
    expect((await gqlOk(base, apiKey, WebhooksDocument, {})).webhooks.data.map((w) => w.id)).toEqual([created.id]);
    // Asking a webhook for its secret is not a valid query.
    const asked = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body: JSON.stringify({ query: `{ webhooks { data { id secret } } }` }),
    }).then((r) => r.json() as Promise<{ errors: Array<{ message: string }> }>);
    expect(asked.errors[0].message).toBe(`Cannot query field "secret" on type "Webhook".`);
    expect(JSON.stringify(asked)).not.toContain(created.secret);

    const updated = (await gqlOk(base, apiKey, UpdateWebhookDocument, { id: created.id, input: { events: ["execution.finished"], enabled: false } })).updateWebhook;
    expect(updated).toMatchObject({ events: ["execution.finished"], enabled: false });
    const bad = await gql(base, apiKey, UpdateWebhookDocument, { id: created.id, input: { url: "ws://example.com" } });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ field: "url" }] });
    const badEvents = await gql(base, apiKey, CreateWebhookDocument, { input: { url: "https://example.com", events: ["execution.exploded"] } });
    expect(badEvents.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", problems: [{ field: "events" }] });
    expect((await gqlOk(base, apiKey, WebhookDeliveriesDocument, { webhookId: created.id })).webhookDeliveries.meta.total).toBe(0);
    expect((await gqlOk(base, apiKey, DeleteWebhookDocument, { id: created.id })).deleteWebhook.id).toBe(created.id);
    const gone = await gql(base, apiKey, WebhookDeliveriesDocument, { webhookId: created.id });
    expect(gone.errors?.[0].extensions?.code).toBe("WEBHOOK_NOT_FOUND");
    expect((await gqlOk(base, apiKey, WebhookDocument, { id: created.id })).webhook).toBeNull();
  });
});
