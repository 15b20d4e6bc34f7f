import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@ct/feature-store/test-support";
import { runBuiltBin } from "@ct/step-kit/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
let database: TestDatabase;
let artifacts: string;

beforeAll(async () => {
  database = await createTestDatabase("ct_cli");
  artifacts = await mkdtemp(join(tmpdir(), "ct-cli-"));
});
afterAll(async () => {
  await database?.drop();
  await rm(artifacts, { recursive: true, force: true });
});

function ct(args: string[]) {
  return runBuiltBin(bin, args, {
    FEATURE_STORE_URL: database.url,
    ARTIFACTS_PATH: artifacts,
    MODEL_STORE_PATH: join(artifacts, "bentoml"),
    MLFLOW_TRACKING_URI: join(artifacts, "mlruns"),
  });
}

describe("ct (umbrella CLI, built)", () => {
  it("runs the demo in its own database: seed, extract, preprocess, train", () => {
    // A small grid keeps the test quick; the demo's default is the full reference grid.
    const { code, stdout, stderr } = ct([
      "demo",
      "--demo_database",
      database.name,
      "--json",
      "--grid",
      "depth=4,6",
      "--param",
      "iterations=60",
      "--param",
      "rsm=1",
      "--param",
      "l2_leaf_reg=3",
    ]);
    expect(stderr).toContain("demo done");
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.seeded).toEqual({ customer_info: 9000, credit_score: 9000, credit_score_features: 9000 });
    expect(summary.extracted.insertedRows).toBeGreaterThan(6000);
    expect(summary.preprocessed.rows.train + summary.preprocessed.rows.val).toBe(
      summary.extracted.insertedRows,
    );
    expect(existsSync(join(summary.preprocessed.directory, "encoders", "robust_scaler.json"))).toBe(true);
    expect(summary.trained).toMatchObject({ configurations: 2, engine: "builtin", model: { latest: true } });
    expect(summary.trained.validationAccuracy).toBeGreaterThan(0.6);
    expect(existsSync(join(summary.trained.model.path, "model.yaml"))).toBe(true);
  });

  it("seeds deterministic synthetic data on request", () => {
    const { code, stdout } = ct([
      "seed",
      "--reset",
      "--days",
      "3",
      "--rows_per_day",
      "50",
      "--seed",
      "7",
      "--json",
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).rows).toEqual({
      customer_info: 150,
      credit_score: 150,
      credit_score_features: 150,
    });
  });

  it.each([
    [["seed", "--days", "0"], 2, "invalid --days 0"],
    [["seed", "--start_date", "2025-02-31"], 2, 'invalid --start_date "2025-02-31"'],
    [["seed", "--csv_dir", "/nonexistent-ct"], 3, "seed CSV"],
    [["nope"], 2, "Unknown argument: nope"],
    [[], 2, "name a command"],
  ])("%j exits %i", (args, code, message) => {
    const result = ct(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it("lists the commands and exit codes in --help", () => {
    const { code, stdout } = ct(["--help"]);
    expect(code).toBe(0);
    for (const command of ["seed", "extract", "preprocess", "train", "predict", "demo"])
      expect(stdout).toContain(`ct ${command}`);
    expect(stdout).toContain("Exit codes: 0 ok");
  });
});
