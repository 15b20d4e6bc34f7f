import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { referenceFixture } from "@ct/fixtures";
import { DataContractError, FeatureStoreUnavailableError } from "@ct/step-kit";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, loadReferenceDatabase, type TestDatabase } from "../test-support/index.ts";
import { type FeatureStore, openFeatureStore } from "./connection.ts";
import { runExtract } from "./extract.ts";
import { createSchema } from "./schema.ts";
import { seedFeatureStore } from "./seed.ts";
import { SNAPSHOT_COLUMNS } from "./tables.ts";

let database: TestDatabase;
let store: FeatureStore;

beforeAll(async () => {
  database = await createTestDatabase("extract");
  store = await openFeatureStore(database.url, { retrySeconds: 0 });
  await loadReferenceDatabase(store.pool);
});

afterAll(async () => {
  await store?.close();
  await database?.drop();
});

async function snapshotDates(): Promise<string[]> {
  const [rows] = await store.pool.query<RowDataPacket[]>(
    "SELECT DISTINCT base_dt FROM credit_score_features_target ORDER BY base_dt",
  );
  return rows.map((row) => String(row.base_dt));
}

describe("seed from the reference CSVs", () => {
  it("loads every row, NULLs and non-ASCII names included, and extracts the reference snapshot but for the reference loader's CR artifacts", async () => {
    const seeded = await createTestDatabase("extract_seeded");
    const seededStore = await openFeatureStore(seeded.url, { retrySeconds: 0 });
    try {
      const result = await seedFeatureStore(seededStore, {
        source: { kind: "csv", directory: dirname(referenceFixture.sourceCsv.creditScore) },
      });
      expect(result.rows).toEqual({ customer_info: 1072, credit_score: 1072, credit_score_features: 1072 });
      const [names] = await seededStore.pool.query<RowDataPacket[]>(
        "SELECT SUM(name LIKE ?) AS apostrophes, SUM(CHAR_LENGTH(name) <> LENGTH(name)) AS non_ascii FROM customer_info",
        ["%'%"],
      );
      expect(Number(names[0]?.apostrophes)).toBeGreaterThan(0);
      expect(Number(names[0]?.non_ascii)).toBeGreaterThan(0);
      const [labels] = await seededStore.pool.query<RowDataPacket[]>(
        "SELECT DISTINCT credit_score FROM credit_score ORDER BY 1",
      );
      expect(labels.map((row) => row.credit_score)).toEqual(["Good", "Poor", "Standard"]);
      const extracted = await runExtract(seededStore, { baseDt: referenceFixture.baseDt });
      expect(extracted.insertedRows).toBe(772);
      const [nulls] = await seededStore.pool.query<RowDataPacket[]>(
        "SELECT SUM(monthly_balance IS NULL) AS null_balance, SUM(type_of_loan IS NULL) AS null_loans FROM credit_score_features_target",
      );
      // The reference stored 19 NULL monthly_balance values as 0 (see loadReferenceDatabase).
      expect(Number(nulls[0]?.null_balance)).toBe(19);
      expect(Number(nulls[0]?.null_loans)).toBeGreaterThan(0);
    } finally {
      await seededStore.close();
      await seeded.drop();
    }
  });
});

describe("the reference database", () => {
  it("holds every fixture row", async () => {
    const [counts] = await store.pool.query<RowDataPacket[]>(
      "SELECT (SELECT COUNT(*) FROM credit_score_features) AS features, (SELECT COUNT(*) FROM credit_score) AS labels, (SELECT COUNT(*) FROM customer_info) AS customers, (SELECT COUNT(*) FROM credit_score_features WHERE type_of_loan IS NULL) AS null_loans",
    );
    expect(counts[0]).toMatchObject({ features: "1072", labels: "1072", customers: "1072" });
    expect(Number(counts[0]?.null_loans)).toBeGreaterThan(0);
  });
});

describe("seed with a bad source", () => {
  it("fails before dropping anything, even with reset", async () => {
    const bad = seedFeatureStore(store, {
      source: { kind: "synthetic", options: { startDate: "2025-02-30", days: 1, rowsPerDay: 1, seed: 1 } },
      reset: true,
    });
    await expect(bad).rejects.toThrow(/2025-02-30/);
    const missing = seedFeatureStore(store, {
      source: { kind: "csv", directory: "/nonexistent-ct" },
      reset: true,
    });
    await expect(missing).rejects.toThrow(/seed CSV .* does not exist/);
    const [counts] = await store.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM credit_score_features",
    );
    expect(counts[0]?.n).toBe("1072");
  });

  it("loads nothing from a CSV cut mid-row, a non-UTF-8 CSV, or one the server rejects halfway", async () => {
    const seeded = await createTestDatabase("seed_bad_csv");
    const seededStore = await openFeatureStore(seeded.url, { retrySeconds: 0 });
    const directory = mkdtempSync(join(tmpdir(), "ct-seed-bad-"));
    const { customerInfo, creditScore, creditScoreFeatures } = referenceFixture.sourceCsv;
    const features = readFileSync(creditScoreFeatures);
    const seed = () => seedFeatureStore(seededStore, { source: { kind: "csv", directory } });
    const counts = async () => {
      const [rows] = await seededStore.pool.query<RowDataPacket[]>(
        "SELECT (SELECT COUNT(*) FROM customer_info) AS a, (SELECT COUNT(*) FROM credit_score) AS b, (SELECT COUNT(*) FROM credit_score_features) AS c",
      );
      return [rows[0]?.a, rows[0]?.b, rows[0]?.c].map(Number);
    };
    try {
      await createSchema(seededStore.pool);
      copyFileSync(customerInfo, join(directory, "customer_info.csv"));
      copyFileSync(creditScore, join(directory, "credit_score.csv"));
      // Cut inside the quoted type_of_loan of a row, and cut after a comma mid-row.
      const quoted = features.indexOf('"', features.length >> 1) + 5;
      for (const cut of [quoted, features.indexOf(",", features.indexOf("\n", features.length >> 1)) + 1]) {
        writeFileSync(join(directory, "credit_score_features.csv"), features.subarray(0, cut));
        const error = await seed().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(DataContractError);
        expect(String((error as Error).message)).toMatch(
          /credit_score_features\.csv" is malformed \(truncated\?\)/,
        );
      }
      // Nothing was loaded: the check runs before the first table is touched.
      expect(await counts()).toEqual([0, 0, 0]);
      writeFileSync(
        join(directory, "credit_score_features.csv"),
        Buffer.concat([
          features.subarray(0, features.length - 40),
          Buffer.from([0xe9, 0xff]),
          Buffer.from("\r\n"),
        ]),
      );
      await expect(seed()).rejects.toThrow(/credit_score_features\.csv" is not valid UTF-8/);
      // A value the server refuses (FLOAT out of range) in the LAST table: the first two roll back.
      const lines = features.toString("utf8").split("\r\n");
      lines[1] = (lines[1] as string).replace(/^([^,]*,[^,]*,[^,]*,[^,]*,)30,/, "$11e308,");
      writeFileSync(join(directory, "credit_score_features.csv"), lines.join("\r\n"));
      await expect(seed()).rejects.toThrow(
        /was rejected: Out of range value for column 'age'.*nothing was loaded/,
      );
      expect(await counts()).toEqual([0, 0, 0]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
      await seededStore.close();
      await seeded.drop();
    }
  });
});

describe("runExtract", () => {
  it("produces exactly the reference snapshot for 2025-02-10", async () => {
    const result = await runExtract(store, { baseDt: referenceFixture.baseDt });
    expect(result.insertedRows).toBe(772);
    const expectedLines = readFileSync(referenceFixture.expected.extractTsv, "utf8")
      .replace(/\n$/, "")
      .split("\n");
    expect(expectedLines[0]?.split("\t")).toEqual([...SNAPSHOT_COLUMNS]);
    const [rows] = await store.pool.query<RowDataPacket[]>({
      sql: "SELECT * FROM credit_score_features_target WHERE base_dt = ? ORDER BY id, customer_id, date",
      values: [referenceFixture.baseDt],
      rowsAsArray: true,
    });
    const actual = rows as unknown as unknown[][];
    expect(actual.length).toBe(expectedLines.length - 1);
    actual.forEach((row, rowIndex) => {
      const expected = expectedLines[rowIndex + 1]?.split("\t") ?? [];
      row.forEach((value, columnIndex) => {
        const want = expected[columnIndex];
        const same =
          want === "NULL"
            ? value === null
            : typeof value === "number"
              ? value === Number(want)
              : value === want;
        if (!same)
          throw new Error(
            `row ${rowIndex + 1} column ${SNAPSHOT_COLUMNS[columnIndex]}: got ${JSON.stringify(value)}, expected ${JSON.stringify(want)}`,
          );
      });
    });
  });

  it("replaces the same day on a re-run", async () => {
    const again = await runExtract(store, { baseDt: referenceFixture.baseDt });
    expect(again).toMatchObject({ deletedRows: 772, insertedRows: 772, snapshots: ["2025-02-10"] });
  });

  it("keeps exactly the last 7 daily snapshots over 10 consecutive days", async () => {
    for (let day = 1; day <= 10; day++) {
      await runExtract(store, { baseDt: `2025-02-${String(day).padStart(2, "0")}` });
    }
    expect(await snapshotDates()).toEqual([
      "2025-02-04",
      "2025-02-05",
      "2025-02-06",
      "2025-02-07",
      "2025-02-08",
      "2025-02-09",
      "2025-02-10",
    ]);
  });

  it("binds base_dt as a parameter: SQL in the value is only a bad date, and the transaction rolls back", async () => {
    const before = await snapshotDates();
    const [countBefore] = await store.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM credit_score_features_target",
    );
    await expect(runExtract(store, { baseDt: "2025-02-10' OR '1'='1" })).rejects.toThrow(
      /Truncated incorrect date value: '2025-02-10' OR '1'='1'/,
    );
    expect(await snapshotDates()).toEqual(before);
    const [countAfter] = await store.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM credit_score_features_target",
    );
    expect(countAfter[0]?.n).toBe(countBefore[0]?.n);
  });

  it("names a missing column of the snapshot table", async () => {
    const other = await createTestDatabase("extract_missing");
    const otherStore = await openFeatureStore(other.url, { retrySeconds: 0 });
    try {
      await seedFeatureStore(otherStore, {
        source: { kind: "csv", directory: dirname(referenceFixture.sourceCsv.creditScore) },
      });
      await otherStore.pool.query("ALTER TABLE credit_score_features_target DROP COLUMN monthly_balance");
      const failure = runExtract(otherStore, { baseDt: "2025-02-10" });
      await expect(failure).rejects.toBeInstanceOf(DataContractError);
      await expect(failure).rejects.toThrow(/credit_score_features_target lacks column\(s\) monthly_balance/);
    } finally {
      await otherStore.close();
      await other.drop();
    }
  });
});

describe("openFeatureStore", () => {
  it("fails with exit 4 after bounded retries when nothing listens", async () => {
    const started = Date.now();
    const failure = openFeatureStore("mysql://ct:s3cret-pw@127.0.0.1:1/mlops", {
      retrySeconds: 1,
      initialRetryDelayMs: 50,
    });
    await expect(failure).rejects.toBeInstanceOf(FeatureStoreUnavailableError);
    await expect(failure).rejects.toThrow(
      /127\.0\.0\.1:1\/mlops is unreachable after retrying for 1s: ECONNREFUSED/,
    );
    await expect(failure).rejects.not.toThrow(/s3cret-pw/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("fails at once with exit 4 when the database does not exist", async () => {
    const url = new URL(database.url);
    url.pathname = "/ct_no_such_database";
    await expect(openFeatureStore(url.toString(), { retrySeconds: 30 })).rejects.toThrow(/Unknown database/);
  });
});
