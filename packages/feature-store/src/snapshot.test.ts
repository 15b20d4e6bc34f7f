import { referenceFixture } from "@ct/fixtures";
import { createLogger } from "@ct/step-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, loadReferenceDatabase, type TestDatabase } from "../test-support/index.ts";
import { type FeatureStore, openFeatureStore } from "./connection.ts";
import { runExtract } from "./extract.ts";
import { seedFeatureStore } from "./seed.ts";
import { readSnapshot, type SnapshotColumn } from "./snapshot.ts";
import { SNAPSHOT_COLUMNS } from "./tables.ts";

let database: TestDatabase;
let store: FeatureStore;

beforeAll(async () => {
  database = await createTestDatabase("snapshot");
  store = await openFeatureStore(database.url, { retrySeconds: 0 });
  await loadReferenceDatabase(store.pool);
  await runExtract(store, { baseDt: referenceFixture.baseDt });
});

afterAll(async () => {
  await store?.close();
  await database?.drop();
});

describe("readSnapshot", () => {
  it("reads every column, numbers on SharedArrayBuffers and text as strings", async () => {
    const snapshot = await readSnapshot(store, referenceFixture.baseDt);
    expect(snapshot.rowCount).toBe(772);
    expect(snapshot.columns.map((column) => column.name)).toEqual([...SNAPSHOT_COLUMNS]);
    for (const column of snapshot.columns) {
      expect(column.values.length, column.name).toBe(772);
      if (column.kind === "number") expect(column.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
    const age = snapshot.columns.find((column) => column.name === "age");
    expect(age?.kind).toBe("number");
    const label = snapshot.columns.find((column) => column.name === "credit_score");
    if (label?.kind !== "string") throw new Error("credit_score should be text");
    expect(new Set(label.values).size).toBeLessThanOrEqual(6);
  });

  it("gives the same columns whatever row count it expected (the arrays grow or shrink to fit)", async () => {
    const exact = await readSnapshot(store, referenceFixture.baseDt);
    for (const expectedRows of [0, 1, 100, 5000]) {
      const snapshot = await readSnapshot(store, referenceFixture.baseDt, { expectedRows });
      expect(snapshot.rowCount).toBe(772);
      snapshot.columns.forEach((column, index) => {
        const reference = exact.columns[index];
        expect(column.kind).toBe(reference?.kind);
        if (column.kind === "number") {
          expect(column.values.length).toBe(772);
          expect(column.values.buffer).toBeInstanceOf(SharedArrayBuffer);
          expect(Array.from(column.values)).toEqual(Array.from(reference?.values as Float64Array));
        } else {
          expect(column.values).toEqual(reference?.values);
        }
      });
    }
  });

  it("dictionary-encodes text columns with at most 4096 distinct values, and only those", async () => {
    const synthetic = await createTestDatabase("snapshot_synthetic");
    const syntheticStore = await openFeatureStore(synthetic.url, { retrySeconds: 0 });
    try {
      await seedFeatureStore(syntheticStore, {
        source: {
          kind: "synthetic",
          options: { startDate: "2025-01-01", days: 45, rowsPerDay: 200, seed: 1 },
        },
      });
      await runExtract(syntheticStore, { baseDt: "2025-02-14" });
      const snapshot = await readSnapshot(syntheticStore, "2025-02-14");
      expect(snapshot.rowCount).toBeGreaterThan(4096);
      const byName = new Map(snapshot.columns.map((column) => [column.name, column]));
      const text = (name: string): Extract<SnapshotColumn, { kind: "string" }> => {
        const column = byName.get(name);
        if (column?.kind !== "string") throw new Error(`${name} should be text`);
        return column;
      };
      // Every id is distinct: no dictionary. Dates and labels repeat: encoded.
      expect(text("id").encoded).toBeUndefined();
      for (const name of ["base_dt", "date", "occupation", "type_of_loan", "credit_score"]) {
        const { values, encoded } = text(name);
        if (!encoded) throw new Error(`${name} should be dictionary-encoded`);
        expect(encoded.codes.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(encoded.codes.length).toBe(snapshot.rowCount);
        expect(new Set(encoded.dictionary).size).toBe(encoded.dictionary.length);
        expect(Array.from(encoded.codes, (code) => encoded.dictionary[code])).toEqual(values);
      }
      expect(text("occupation").encoded?.dictionary).toContain(null);
    } finally {
      await syntheticStore.close();
      await synthetic.drop();
    }
  });

  it("reports progress up to every row read, counted while the rows stream in", async () => {
    const lines: string[] = [];
    const logger = createLogger("test", { write: (chunk: string) => lines.push(chunk) });
    const snapshot = await readSnapshot(store, referenceFixture.baseDt, { logger });
    expect(snapshot.rowCount).toBe(772);
    expect(lines.at(-1)).toMatch(/read snapshot 2025-02-10: 100% 772\/772 rows, .* \(done\)\n$/);
  });

  it("reads an empty snapshot as zero rows", async () => {
    const snapshot = await readSnapshot(store, "2030-01-01");
    expect(snapshot.rowCount).toBe(0);
    for (const column of snapshot.columns) expect(column.values.length).toBe(0);
  });
});
