import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { referenceFixture } from "@ct/fixtures";
import { preprocessOutputPaths } from "@ct/preprocessing";
import { runBuiltBin } from "@ct/step-kit/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const MODEL = "credit_score_classification";
const BASE_DT = referenceFixture.baseDt;
let dir: string;
let artifacts: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ct-train-cli-"));
  artifacts = join(dir, "artifacts");
  const paths = preprocessOutputPaths(artifacts, MODEL, BASE_DT);
  await mkdir(join(paths.directory, "encoders"), { recursive: true });
  await copyFile(referenceFixture.expected.trainCsv, paths.trainCsv);
  await copyFile(referenceFixture.expected.valCsv, paths.valCsv);
  const features = JSON.parse(await readFile(referenceFixture.expected.robustScaler, "utf8"));
  await writeFile(paths.scalerJson, JSON.stringify({ schema_version: 1, kind: "RobustScaler", features }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small grid so the test is quick: 4 configurations of few iterations. */
const SMALL = [
  "--grid",
  "depth=3,4",
  "--grid",
  "l2_leaf_reg=3,5",
  "--param",
  "iterations=30",
  "--param",
  "rsm=1",
];

function train(name: string, args: string[], env: Record<string, string> = {}) {
  return runBuiltBin(bin, ["--model_name", MODEL, "--base_dt", BASE_DT, "--json", ...args], {
    ARTIFACTS_PATH: artifacts,
    MODEL_STORE_PATH: join(dir, name, "bentoml"),
    MLFLOW_TRACKING_URI: join(dir, name, "mlruns"),
    ...env,
  });
}

/** The saved model.json of a run's JSON summary. */
function savedModel(summary: { model: { path: string } }): string {
  return readFileSync(join(summary.model.path, "model.json"), "utf8");
}

describe("ct-train (built bin)", () => {
  it("gives the same best model on 2 worker threads as on 1", () => {
    const serial = train("serial", [...SMALL, "--workers", "1", "--engine", "builtin"]);
    expect(serial.stderr).toContain("1 worker(s)");
    expect(serial.code).toBe(0);
    const parallel = train("parallel", [...SMALL, "--workers", "2", "--engine", "builtin"]);
    expect(parallel.code).toBe(0);
    const a = JSON.parse(serial.stdout);
    const b = JSON.parse(parallel.stdout);
    expect(a).toMatchObject({ step: "train", status: "ok", configurations: 4, engine: "builtin" });
    expect(b.best).toEqual({ ...a.best, runId: b.best.runId });
    expect(b.validationAccuracy).toBe(a.validationAccuracy);
    expect(b.dataHash).toBe(a.dataHash);
    expect(savedModel(b)).toBe(savedModel(a));
  }, 300_000);

  it("trains the same model with the engine's worker threads as without (the bundle's kernel source)", () => {
    const onThreads = (count: number) =>
      train(`threads-${count}`, [
        ...SMALL,
        "--workers",
        "1",
        "--engine",
        "builtin",
        "--param",
        `thread_count=${count}`,
      ]);
    const one = onThreads(1);
    const two = onThreads(2);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    expect(b.validationAccuracy).toBe(a.validationAccuracy);
    expect(savedModel(b)).toBe(savedModel(a));
  }, 300_000);

  it("exits 3 when preprocess has not run for the date, writing nothing", async () => {
    const { code, stderr } = runBuiltBin(bin, ["--model_name", MODEL, "--base_dt", "2025-02-11"], {
      ARTIFACTS_PATH: artifacts,
      MODEL_STORE_PATH: join(dir, "missing", "bentoml"),
      MLFLOW_TRACKING_URI: join(dir, "missing", "mlruns"),
    });
    expect(code).toBe(3);
    expect(stderr).toMatch(
      /ct-train: error: no preprocess outputs for model credit_score_classification and base_dt 2025-02-11/,
    );
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });

  it("exits 2 naming an unknown parameter or a bad engine choice", async () => {
    const unknown = train("bad", ["--param", "depht=3", "--engine", "builtin"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/depht/);
    const engine = train("bad", ["--engine", "xgboost"]);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toMatch(/xgboost/);
    const catboost = train("bad", ["--engine", "catboost"], { CATBOOST_BIN: join(dir, "no-such-catboost") });
    expect(catboost.code).toBe(2);
    expect(catboost.stderr).toMatch(/catboost/);
    expect(existsSync(join(dir, "bad", "bentoml"))).toBe(false);
    const runs = existsSync(join(dir, "bad", "mlruns")) ? await readdir(join(dir, "bad", "mlruns")) : [];
    expect(runs.filter((entry) => /^\d+$/.test(entry) && entry !== "0")).toEqual([]);
  });
});
