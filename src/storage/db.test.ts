import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDiskFull } from "../lib/disk-full.ts";
import { explainOpenError, openDatabase, openSnapshot } from "./db.ts";

const dir = mkdtempSync(join(tmpdir(), "neo-db-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openSnapshot (reads on a full disk)", () => {
  test("reads a cleanly closed WAL-mode file in memory, with exact integers, and refuses writes", () => {
    const file = join(dir, "clean.db");
    const db = openDatabase(file);
    db.exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (9007199254740993)");
    db.close();
    const snap = openSnapshot(file);
    expect(snap.query("SELECT v FROM t").get()).toEqual({ v: 9007199254740993n });
    expect(() => snap.exec("INSERT INTO t VALUES (1)")).toThrow(/readonly/);
    snap.close();
  });

  test("refuses, as a full disk, when commits are still in the -wal (they would be missing)", () => {
    const file = join(dir, "wal.db");
    const db = openDatabase(file);
    db.exec("PRAGMA wal_autocheckpoint=0; CREATE TABLE t (v); INSERT INTO t VALUES (1)");
    let err: unknown;
    try {
      openSnapshot(file).close();
    } catch (e) {
      err = e;
    }
    db.close();
    expect(isDiskFull(err)).toBe(true);
    expect(String(err)).toMatch(/latest changes are still in wal\.db-wal/);
  });

  test("a disk I/O error is left as it is while the file system has room", () => {
    const e = Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR_SHMSIZE" });
    expect(explainOpenError(join(dir, "x.db"), e)).toBe(e);
  });
});
