import {
  type FeatureStore,
  openFeatureStore,
  runExtract,
  SNAPSHOT_TABLE,
  seedFeatureStore,
} from "@ct/feature-store";
import { createTestDatabase, type TestDatabase, testServerUrl } from "@ct/feature-store/test-support";

export { createTestDatabase, loadReferenceDatabase, type TestDatabase } from "@ct/feature-store/test-support";

/** Host and port of the shared test server (CT_TEST_MYSQL_URL or 127.0.0.1:3306). */
export function testServerAddress(): { host: string; port: number } {
  const url = new URL(testServerUrl);
  return { host: url.hostname, port: Number(url.port || 3306) };
}

/** A database of its own plus an open store on it; `drop()` closes and drops both. */
export interface FaultDatabase {
  readonly database: TestDatabase;
  readonly store: FeatureStore;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createFaultDatabase(prefix: string): Promise<FaultDatabase> {
  const database = await createTestDatabase(`faults_${prefix}`);
  const store = await openFeatureStore(database.url, { retrySeconds: 0 });
  return {
    database,
    store,
    url: database.url,
    async drop() {
      await store.close().catch(() => undefined);
      await database.drop();
    },
  };
}

/** Seeds deterministic synthetic data (`ct seed`'s generator, bulk loaded) into the store. */
export async function seedSynthetic(
  store: FeatureStore,
  options: { days: number; rowsPerDay: number; startDate?: string; seed?: number },
): Promise<void> {
  await seedFeatureStore(store, {
    source: {
      kind: "synthetic",
      options: {
        startDate: options.startDate ?? "2025-01-01",
        days: options.days,
        rowsPerDay: options.rowsPerDay,
        seed: options.seed ?? 42,
      },
    },
  });
}

/** Runs the extract for each date, in order (the library, not the bin: test setup). */
export async function extractDates(store: FeatureStore, dates: readonly string[]): Promise<void> {
  for (const baseDt of dates) await runExtract(store, { baseDt, retrySeconds: 0 });
}

/** Rows per snapshot date, e.g. `{ "2025-02-05": 600, … }`. */
export async function snapshotCounts(store: FeatureStore): Promise<Record<string, number>> {
  const [rows] = await store.pool.query(
    `SELECT base_dt, COUNT(*) AS n FROM ${SNAPSHOT_TABLE} GROUP BY base_dt ORDER BY base_dt`,
  );
  const counts: Record<string, number> = {};
  for (const row of rows as { base_dt: string; n: number | string }[]) counts[row.base_dt] = Number(row.n);
  return counts;
}

/** One number per table: row count and a checksum of the content, to prove nothing changed. */
export async function tableFingerprint(store: FeatureStore, table: string): Promise<string> {
  const [rows] = await store.pool.query(`CHECKSUM TABLE ${store.pool.escapeId(table)}`);
  const [counts] = await store.pool.query(`SELECT COUNT(*) AS n FROM ${store.pool.escapeId(table)}`);
  const checksum = (rows as { Checksum: string | number | null }[])[0]?.Checksum;
  const count = (counts as { n: string | number }[])[0]?.n;
  return `${String(count)} rows, checksum ${String(checksum)}`;
}

/** Fingerprints of the four feature-store tables. */
export async function databaseFingerprint(store: FeatureStore): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of ["customer_info", "credit_score", "credit_score_features", SNAPSHOT_TABLE]) {
    result[table] = await tableFingerprint(store, table);
  }
  return result;
}
