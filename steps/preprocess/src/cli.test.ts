import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openFeatureStore, runExtract } from "@ct/feature-store";
import { createTestDatabase, loadReferenceDatabase, type TestDatabase } from "@ct/feature-store/test-support";
import { referenceFixture } from "@ct/fixtures";
import { runBuiltBin } from "@ct/step-kit/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
let database: TestDatabase;
let artifacts: string;

beforeAll(async () => {
  database = await createTestDatabase("preprocess_cli");
  const store = await openFeatureStore(database.url, { retrySeconds: 0 });
  await loadReferenceDatabase(store.pool);
  await runExtract(store, { baseDt: referenceFixture.baseDt });
  await store.close();
  artifacts = await mkdtemp(join(tmpdir(), "ct-preprocess-cli-"));
});
afterAll(async () => {
  await database?.drop();
  await rm(artifacts, { recursive: true, force: true });
});

function runBin(args: string[], env: Record<string, string> = {}) {
  return runBuiltBin(bin, args, { FEATURE_STORE_URL: database.url, ARTIFACTS_PATH: artifacts, ...env });
}

describe("ct-preprocess (built bin)", () => {
  it("writes the outputs for a date and summarizes them with --json", () => {
    const { code, stdout } = runBin([
      "--model_name",
      "credit_score_classification",
      "--base_dt",
      "2025-02-10",
      "--json",
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      step: "preprocess",
      status: "ok",
      rows: { snapshot: 772, train: 540, val: 232 },
    });
    const directory = join(artifacts, "preprocessing", "credit_score_classification", "2025-02-10");
    expect(summary.directory).toBe(directory);
    expect(existsSync(join(directory, "credit_score_classification_train.csv"))).toBe(true);
    expect(existsSync(join(directory, "credit_score_classification_val.csv"))).toBe(true);
    expect(existsSync(join(directory, "encoders", "robust_scaler.json"))).toBe(true);
  });

  it("exits 3 with a clear message and writes nothing for a date without a snapshot", async () => {
    const { code, stderr } = runBin(["--model_name", "other_model", "--base_dt", "2024-01-01"]);
    expect(code).toBe(3);
    expect(stderr).toContain("ct-preprocess: error: snapshot base_dt=2024-01-01 is empty");
    expect(await readdir(join(artifacts, "preprocessing"))).toEqual(["credit_score_classification"]);
  });

  it.each([
    [["--base_dt", "2025-02-29"], 'invalid base_dt "2025-02-29"'],
    [["--model_name", "../../etc/passwd"], "invalid model_name"],
    [["--model_name", "Model"], "invalid model_name"],
  ])("rejects %j with exit 2", (args, message) => {
    const { code, stderr } = runBin(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("exits 4 when the feature store is unreachable", () => {
    const { code } = runBin(["--base_dt", "2025-02-10"], {
      FEATURE_STORE_URL: "mysql://root@127.0.0.1:1/x",
      FEATURE_STORE_RETRY_SECONDS: "0",
    });
    expect(code).toBe(4);
  });
});
