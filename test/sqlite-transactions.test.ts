import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDatabaseUrl } from "../src/config/config";
import { createDataSource } from "../src/db/data-source";
import { Db } from "../src/db/db";

// TypeORM's better-sqlite3 driver shares one connection per process: without serialisation a second transaction
// becomes a savepoint of the first, and one side's rollback undoes the other's work.
describe("SQLite transactions in one process", () => {
  let db: Db;

  beforeAll(async () => {
    const ds = createDataSource(parseDatabaseUrl(`sqlite:${join(mkdtempSync(join(tmpdir(), "vc-tx-")), "t.sqlite")}`));
    await ds.initialize();
    await ds.runMigrations();
    db = new Db(ds);
  });
  afterAll(() => db.dataSource.destroy());

  const insertOrg = (tx: { execute(sql: string, p: unknown[]): Promise<number> }, id: string) =>
    tx.execute("INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)", [id, "org", Date.now()]);
  const exists = async (id: string) => (await db.read((r) => r.query("SELECT id FROM organizations WHERE id = ?", [id]))).length === 1;

  it("two overlapping transactions, one rolled back, leave exactly the other's writes", async () => {
    const rolledBack = randomUUID();
    const committed = randomUUID();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));

    const a = db.transaction(async (tx) => {
      await insertOrg(tx, rolledBack);
      await gate; // B is started while A is open
      throw new Error("roll A back");
    });
    const b = db.transaction(async (tx) => {
      await insertOrg(tx, committed);
    });
    setTimeout(release, 30);

    await expect(a).rejects.toThrow("roll A back");
    await b;
    expect(await exists(committed)).toBe(true);
    expect(await exists(rolledBack)).toBe(false);
  });

  it("a read issued while a transaction is open does not see its uncommitted writes", async () => {
    const id = randomUUID();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await insertOrg(t, id);
      await gate;
      throw new Error("rollback");
    });
    const read = exists(id);
    release();
    await expect(tx).rejects.toThrow();
    expect(await read).toBe(false);
  });

  it("runs after-commit callbacks only on commit", async () => {
    const seen: string[] = [];
    await db.transaction(async (t) => t.afterCommit(() => seen.push("committed")));
    await expect(
      db.transaction(async (t) => {
        t.afterCommit(() => seen.push("rolled back"));
        throw new Error("no");
      }),
    ).rejects.toThrow();
    expect(seen).toEqual(["committed"]);
  });
});
