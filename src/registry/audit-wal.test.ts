import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keepAuditWal } from "./audit-wal.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-audit-wal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** frames in the WAL now (a PASSIVE checkpoint's "log" column, which also copies what it can) */
const walFrames = (db: Database) => Number(db.query("PRAGMA wal_checkpoint(PASSIVE)").values()[0]?.[1] ?? -1);

describe("audit.db's WAL synced at quiet moments", () => {
  test("the WAL starts at open, SQLite never checkpoints by itself, a checkpoint past maxRows starts it again", () => {
    const file = join(dir, "a.db");
    const setup = new Database(file, { create: true });
    setup.exec("PRAGMA journal_mode=WAL; CREATE TABLE t (a); PRAGMA user_version = 7;");
    setup.close(); // the last connection: checkpointed, the WAL gone
    const db = new Database(file);
    db.exec("PRAGMA journal_mode=WAL");
    const wal = keepAuditWal(db, { checkpointRows: 10, maxRows: 100, quietMs: 60_000 });
    expect(db.query("PRAGMA wal_autocheckpoint").values()[0]?.[0]).toBe(0);
    // started: a frame in the WAL already, and the value unchanged
    expect(db.query("PRAGMA user_version").values()[0]?.[0]).toBe(7);
    const insert = db.prepare("INSERT INTO t VALUES (?)");
    for (let i = 0; i < 50; i++) insert.run(i);
    wal.wrote(50); // due once quiet (60 s here): not yet
    const before = db.query("SELECT count(*) FROM t").values()[0]?.[0];
    expect(before).toBe(50);
    for (let i = 0; i < 50; i++) insert.run(i);
    wal.wrote(50); // past maxRows: at once
    expect(walFrames(db)).toBe(1); // checkpointed, and the WAL started again with one frame
    expect(db.query("SELECT count(*) FROM t").values()[0]?.[0]).toBe(100);
    wal.stop();
    db.close();
  });

  test("once quiet after checkpointRows, the checkpoint runs on its own", async () => {
    const file = join(dir, "b.db");
    const db = new Database(file, { create: true });
    db.exec("PRAGMA journal_mode=WAL; CREATE TABLE t (a);");
    const wal = keepAuditWal(db, { checkpointRows: 10, quietMs: 5 });
    const insert = db.prepare("INSERT INTO t VALUES (?)");
    for (let i = 0; i < 20; i++) insert.run(i);
    wal.wrote(20);
    const walSize = () => Bun.file(`${file}-wal`).size;
    const grown = walSize();
    // await the checkpoint (no fixed sleep): the WAL's frames start again from the beginning
    let frames = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 200 && frames > 1; i++) {
      await Bun.sleep(5);
      frames = Number(db.query("PRAGMA wal_checkpoint(PASSIVE)").values()[0]?.[1] ?? -1);
    }
    expect(grown).toBeGreaterThan(0);
    expect(frames).toBe(1);
    wal.stop();
    db.close();
  });
});
