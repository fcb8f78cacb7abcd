import { afterAll, beforeAll, expect, it } from "vitest";
import { App, createApp } from "../../src/app";
import { loadConfig } from "../../src/config/config";
import { describeEachDb } from "../support/targets";

// A read (or a transaction) started from inside an open transaction's callback waits for itself forever on SQLite,
// where one queue runs every unit of work, and on MySQL silently runs outside the transaction it seems to be part
// of. Either way it is a bug in the caller: it must fail at once, with a message that says what to do instead.
describeEachDb("db: nested reads and transactions fail loudly", (target) => {
  let app: App;

  beforeAll(async () => {
    app = await createApp(loadConfig({ DATABASE_URL: target.url(), VOICECAST_ROLES: "api", VOICECAST_LOG_LEVEL: "silent" }));
  });
  afterAll(() => app?.stop());

  /** The work's outcome, or "hung" when it has not settled after a second (what SQLite did before). */
  const settle = (work: Promise<unknown>) =>
    Promise.race([work.then(() => "resolved", (err: Error) => err), new Promise((r) => setTimeout(() => r("hung"), 1000))]);

  it("a read inside a transaction is refused with a message naming the transaction's own tx", async () => {
    const outcome = await settle(app.db.transaction(async () => app.db.read((r) => r.query("SELECT 1 AS one"))));
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/db\.read\(\) called inside an open db\.transaction\(\) callback: use the callback's own tx/);
  });

  it("so are a transaction or a statement inside a transaction and a read inside a read, however deep in the callback's awaits", async () => {
    const nestedTx = await settle(
      app.db.transaction(async (tx) => {
        await tx.query("SELECT 1 AS one");
        await new Promise((r) => setTimeout(r, 5));
        return app.db.transaction(async () => 1);
      }),
    );
    expect((nestedTx as Error).message).toMatch(/db\.transaction\(\) called inside an open db\.transaction\(\)/);
    const nestedRead = await settle(app.db.read(async () => app.db.read((r) => r.query("SELECT 1 AS one"))));
    expect((nestedRead as Error).message).toMatch(/db\.read\(\) called inside an open db\.read\(\)/);
    const nestedStatement = await settle(app.db.transaction(async () => app.db.execute("UPDATE organizations SET name = name WHERE id = ?", ["none"])));
    expect((nestedStatement as Error).message).toMatch(/db\.execute\(\) called inside an open db\.transaction\(\)/);
  });

  it("leaves the database usable, and allows the database again once the transaction is over", async () => {
    await settle(app.db.transaction(async () => app.db.read((r) => r.query("SELECT 1 AS one"))));
    const afterCommit = new Promise<unknown>((resolve, reject) => {
      void app.db.transaction(async (tx) => {
        tx.afterCommit(() => app.db.read((r) => r.query<{ one: number }>("SELECT 1 AS one")).then(resolve, reject));
      });
    });
    expect(await settle(afterCommit)).toBe("resolved");
    // Siblings (not nested) run side by side as before.
    const [a, b] = await Promise.all([app.db.transaction(async (tx) => tx.query("SELECT 1 AS one")), app.db.read((r) => r.query("SELECT 2 AS two"))]);
    expect([a.length, b.length]).toEqual([1, 1]);
  });
});
