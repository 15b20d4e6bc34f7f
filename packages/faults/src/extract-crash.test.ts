// Fault: the feature store dies in the middle of extract, between the DELETE of old snapshots and
// the INSERT of the new one. The shared MariaDB is not killed (other test files use it): a
// loopback proxy between ct-extract and MariaDB cuts every socket the moment the INSERT statement
// goes by, then refuses connections. The server must roll the open transaction back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bins,
  createFaultDatabase,
  extractDates,
  type FaultDatabase,
  loadReferenceDatabase,
  runBin,
  snapshotCounts,
  startCuttingProxy,
  tableFingerprint,
  testServerAddress,
} from "../test-support/index.ts";

const BASE_DT = "2025-02-10";
let db: FaultDatabase;

beforeAll(async () => {
  db = await createFaultDatabase("extract_crash");
  await loadReferenceDatabase(db.store.pool);
  // A week of snapshots: 02-01 is due for deletion by the 02-10 run, 02-05 stays, and 02-10
  // exists already (a re-run replaces it). The old 02-10 is made different from what a fresh
  // extract gives (rows removed), so "unchanged" and "re-extracted" cannot be confused.
  await extractDates(db.store, [BASE_DT, "2025-02-01", "2025-02-05"]); // 02-10 first: it deletes ≤ 02-03
  await db.store.pool.query(
    "DELETE FROM credit_score_features_target WHERE base_dt = ? ORDER BY id LIMIT 300",
    [BASE_DT],
  );
});
afterAll(() => db?.drop());

/** Open InnoDB transactions of sessions connected to this test's database. */
async function openTransactions(): Promise<number> {
  const [rows] = await db.store.pool.query(
    `SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t
       JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
      WHERE p.DB = ?`,
    [db.database.name],
  );
  return Number((rows as { n: string | number }[])[0]?.n);
}

describe("MariaDB connection killed in the middle of extract", () => {
  it("fails with exit 4 after its bounded retry; the server rolled the transaction back; a re-run succeeds", async () => {
    const before = await snapshotCounts(db.store);
    expect(before).toEqual({ "2025-02-01": 753, "2025-02-05": 773, [BASE_DT]: 472 });
    const fingerprint = await tableFingerprint(db.store, "credit_score_features_target");

    const proxy = await startCuttingProxy({
      target: testServerAddress(),
      trigger: "INSERT INTO credit_score_features_target",
    });
    try {
      const proxied = new URL(db.url);
      proxied.host = `127.0.0.1:${proxy.port}`;
      const crashed = await runBin(bins.extract, ["--base_dt", BASE_DT, "--json"], {
        FEATURE_STORE_URL: proxied.toString(),
        FEATURE_STORE_RETRY_SECONDS: "2",
      });
      expect(proxy.triggered(), crashed.stderr).toBe(true);
      // The DELETE of the same transaction had gone through before the cut.
      expect(proxy.forwarded("DELETE FROM credit_score_features_target")).toBe(true);
      expect(crashed.code, crashed.stderr).toBe(4);
      // The whole transaction was retried (the connection is gone, the proxy now refuses) and then
      // given up after the 2 s window: one clear line, no summary.
      expect(crashed.stderr).toMatch(/extract transaction failed \([A-Z_]+\), attempt 1; retrying/);
      expect(crashed.stderr).toMatch(
        /ct-extract: error: feature store connection lost during extract: ECONNREFUSED\n$/,
      );
      expect(crashed.seconds).toBeLessThan(10);
      expect(crashed.stdout).toBe("");
    } finally {
      await proxy.close();
    }

    // The server noticed the dead session and rolled back: no transaction is left open, and the
    // DELETE of 02-01 and of the old 02-10 never happened.
    for (let waited = 0; (await openTransactions()) > 0 && waited < 5000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await openTransactions()).toBe(0);
    expect(await snapshotCounts(db.store)).toEqual(before);
    expect(await tableFingerprint(db.store, "credit_score_features_target")).toBe(fingerprint);

    // Straight to MariaDB, the same command succeeds with the expected rows.
    const rerun = await runBin(bins.extract, ["--base_dt", BASE_DT, "--json"], { FEATURE_STORE_URL: db.url });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({
      step: "extract",
      status: "ok",
      baseDt: BASE_DT,
      deletedRows: 753 + 472,
      insertedRows: 772,
      snapshots: ["2025-02-05", BASE_DT],
    });
    expect(await snapshotCounts(db.store)).toEqual({ "2025-02-05": 773, [BASE_DT]: 772 });
  });
});
