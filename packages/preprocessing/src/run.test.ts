import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FeatureStore, openFeatureStore, runExtract } from "@ct/feature-store";
import { createTestDatabase, loadReferenceDatabase, type TestDatabase } from "@ct/feature-store/test-support";
import { referenceFixture } from "@ct/fixtures";
import { DataContractError, NoInputError } from "@ct/step-kit";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NUMERIC_FEATURES } from "./features.ts";
import { preprocessOutputPaths } from "./outputs.ts";
import { runPreprocess } from "./run.ts";

let database: TestDatabase;
let store: FeatureStore;
let artifactsPath: string;
const modelName = "credit_score_classification";
const baseDt = referenceFixture.baseDt;

beforeAll(async () => {
  database = await createTestDatabase("preprocess");
  store = await openFeatureStore(database.url, { retrySeconds: 0 });
  await loadReferenceDatabase(store.pool);
  await runExtract(store, { baseDt });
  artifactsPath = await mkdtemp(join(tmpdir(), "ct-preprocess-"));
});

afterAll(async () => {
  await store?.close();
  await database?.drop();
  await rm(artifactsPath, { recursive: true, force: true });
});

/** Compares two CSVs cell by cell: numbers within 1e-9 relative, everything else exactly. */
function expectCsvParity(actualPath: string, expectedPath: string): void {
  const actual: string[][] = parse(readFileSync(actualPath));
  const expected: string[][] = parse(readFileSync(expectedPath));
  expect(actual[0]).toEqual(expected[0]);
  expect(actual.length).toBe(expected.length);
  const numeric = new Set<string>(NUMERIC_FEATURES);
  const header = expected[0] ?? [];
  for (let row = 1; row < expected.length; row++) {
    for (let column = 0; column < header.length; column++) {
      const want = expected[row]?.[column] ?? "";
      const got = actual[row]?.[column] ?? "";
      if (numeric.has(header[column] ?? "") && want !== "") {
        const a = Number(got);
        const b = Number(want);
        const tolerance = 1e-9 * Math.max(1, Math.abs(b));
        if (!(Math.abs(a - b) <= tolerance)) {
          throw new Error(`row ${row} column ${header[column]}: got ${got}, expected ${want}`);
        }
      } else if (got !== want) {
        throw new Error(
          `row ${row} column ${header[column]}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`,
        );
      }
    }
  }
}

describe("runPreprocess on the reference snapshot", () => {
  it("writes train/val CSVs and scalers equal to the reference pipeline's", async () => {
    const result = await runPreprocess(store, { modelName, baseDt, artifactsPath });
    expect(result.rows).toEqual({ snapshot: 772, train: 540, val: 232 });
    const paths = preprocessOutputPaths(artifactsPath, modelName, baseDt);
    expect(result.directory).toBe(paths.directory);
    expectCsvParity(paths.trainCsv, referenceFixture.expected.trainCsv);
    expectCsvParity(paths.valCsv, referenceFixture.expected.valCsv);

    const scalers = JSON.parse(await readFile(paths.scalerJson, "utf8"));
    const expected = JSON.parse(readFileSync(referenceFixture.expected.robustScaler, "utf8"));
    expect(scalers.schema_version).toBe(1);
    expect(Object.keys(scalers.features)).toEqual([...NUMERIC_FEATURES]);
    for (const feature of NUMERIC_FEATURES) {
      expect(scalers.features[feature].center).toBeCloseTo(expected[feature].center, 9);
      expect(scalers.features[feature].scale).toBeCloseTo(expected[feature].scale, 9);
    }
    expect(await readdir(join(artifactsPath, "preprocessing", modelName))).toEqual([baseDt]);
  });

  it("is deterministic: a re-run writes byte-identical files", async () => {
    const paths = preprocessOutputPaths(artifactsPath, modelName, baseDt);
    const before = await Promise.all(
      [paths.trainCsv, paths.valCsv, paths.scalerJson, paths.manifestJson].map((p) => readFile(p)),
    );
    await runPreprocess(store, { modelName, baseDt, artifactsPath });
    const after = await Promise.all(
      [paths.trainCsv, paths.valCsv, paths.scalerJson, paths.manifestJson].map((p) => readFile(p)),
    );
    after.forEach((content, index) => {
      expect(content.equals(before[index] as Buffer)).toBe(true);
    });
  });

  it("writes the same bytes whether the CSVs are formatted on 0, 1 or 2 worker threads", async () => {
    const paths = preprocessOutputPaths(artifactsPath, modelName, baseDt);
    const files = [paths.trainCsv, paths.valCsv, paths.scalerJson, paths.manifestJson];
    const outputs: Buffer[][] = [];
    for (const formatThreads of [0, 1, 2]) {
      await runPreprocess(store, { modelName, baseDt, artifactsPath, formatThreads });
      outputs.push(await Promise.all(files.map((path) => readFile(path))));
    }
    for (const output of outputs.slice(1)) {
      output.forEach((content, index) => {
        expect(content.equals(outputs[0]?.[index] as Buffer)).toBe(true);
      });
    }
    await expect(
      runPreprocess(store, { modelName, baseDt, artifactsPath, formatThreads: -1 }),
    ).rejects.toThrow("formatThreads=-1");
  });

  it("fails with NoInputError and writes nothing for an empty snapshot", async () => {
    const attempt = runPreprocess(store, { modelName, baseDt: "2030-01-01", artifactsPath });
    await expect(attempt).rejects.toBeInstanceOf(NoInputError);
    await expect(attempt).rejects.toThrow(
      "snapshot base_dt=2030-01-01 is empty; run extract for that date first",
    );
    expect(await readdir(join(artifactsPath, "preprocessing", modelName))).toEqual([baseDt]);
  });

  it("names a numeric feature the snapshot table lacks, writing nothing", async () => {
    const other = await createTestDatabase("preprocess_missing");
    const otherStore = await openFeatureStore(other.url, { retrySeconds: 0 });
    const otherArtifacts = await mkdtemp(join(tmpdir(), "ct-preprocess-missing-"));
    try {
      await loadReferenceDatabase(otherStore.pool);
      await runExtract(otherStore, { baseDt });
      await otherStore.pool.query("ALTER TABLE credit_score_features_target DROP COLUMN credit_history_age");
      const attempt = runPreprocess(otherStore, { modelName, baseDt, artifactsPath: otherArtifacts });
      await expect(attempt).rejects.toBeInstanceOf(DataContractError);
      await expect(attempt).rejects.toThrow(/lacks column\(s\) credit_history_age/);
      expect(await readdir(otherArtifacts)).toEqual([]);
    } finally {
      await otherStore.close();
      await other.drop();
      await rm(otherArtifacts, { recursive: true, force: true });
    }
  });
});
