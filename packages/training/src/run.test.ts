import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { referenceFixture } from "@ct/fixtures";
import { preprocessOutputPaths } from "@ct/preprocessing";
import { DataContractError, NoInputError, UsageError } from "@ct/step-kit";
import { FileStore } from "@ct/tracking";
import { listExperiments, listRunIds, readRun } from "@ct/tracking/test-support";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DEFAULT_MODEL_CONFIG, type ModelConfig, parseModelConfig } from "./model-config.ts";
import { predictCsv } from "./predict.ts";
import { runTrain, type TrainOptions } from "./run.ts";

const MODEL = "credit_score_classification";
const BASE_DT = "2025-02-10";
let dir: string;
let artifacts: string;
let store: string;
let mlruns: string;

/** Small and fast: 2 configurations, few iterations. */
const config: ModelConfig = parseModelConfig({
  grid: { depth: [3, 4] },
  params: { ...DEFAULT_MODEL_CONFIG.params, iterations: 40, early_stopping_rounds: 10 },
});

function options(overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    modelName: MODEL,
    baseDt: BASE_DT,
    artifactsPath: artifacts,
    modelStorePath: store,
    config,
    engine: "builtin",
    engineOptions: {},
    tracking: () => FileStore.open({ rootDir: mlruns }),
    promote: "always",
    timeZone: "Asia/Seoul",
    workers: 1,
    ctVersion: "0.1.0-test",
    ...overrides,
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ct-training-"));
  artifacts = join(dir, "artifacts");
  store = join(dir, "bentoml");
  mlruns = join(dir, "mlruns");
  // The reference preprocessor's outputs for 2025-02-10, laid out as ct's preprocess writes them.
  const paths = preprocessOutputPaths(artifacts, MODEL, BASE_DT);
  await mkdir(join(paths.directory, "encoders"), { recursive: true });
  await copyFile(referenceFixture.expected.trainCsv, paths.trainCsv);
  await copyFile(referenceFixture.expected.valCsv, paths.valCsv);
  const features = JSON.parse(await readFile(referenceFixture.expected.robustScaler, "utf8"));
  await writeFile(paths.scalerJson, JSON.stringify({ schema_version: 1, kind: "RobustScaler", features }));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The reference val CSV with the scaling undone: raw rows as the snapshot holds them. */
async function rawValidationCsv(): Promise<string> {
  const features = JSON.parse(await readFile(referenceFixture.expected.robustScaler, "utf8")) as Record<
    string,
    { center: number; scale: number }
  >;
  const [header, ...rows] = parse(await readFile(referenceFixture.expected.valCsv, "utf8")) as string[][];
  const out = join(dir, "raw-val.csv");
  const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  const lines = [(header ?? []).join(",")];
  for (const row of rows) {
    lines.push(
      row
        .map((cell, index) => {
          const scaler = features[(header ?? [])[index] as string];
          return scaler && cell !== "" ? String(Number(cell) * scaler.scale + scaler.center) : quote(cell);
        })
        .join(","),
    );
  }
  await writeFile(out, `${lines.join("\n")}\n`);
  return out;
}

describe("runTrain (built-in engine, file store, model store)", () => {
  it("tracks every configuration, saves the best with its scalers, and scores it back", async () => {
    const summary = await runTrain(options());
    expect(summary.configurations).toBe(2);
    expect(summary.experiment.name).toMatch(/^training-\d{4}-\d{2}-\d{2}-\d{6}$/);
    expect(summary.validationAccuracy).toBeGreaterThan(0.5);

    // MLflow: one experiment, one finished run per configuration, read the way MLflow reads it.
    const experiments = listExperiments(mlruns).filter((e) => e.meta.name === summary.experiment.name);
    expect(experiments).toHaveLength(1);
    const experimentId = experiments[0]?.id as string;
    const runs = listRunIds(mlruns, experimentId).map((id) => readRun(mlruns, experimentId, id));
    expect(runs.map((run) => run.tags["mlflow.runName"]).sort()).toEqual(["Run 0", "Run 1"]);
    for (const run of runs) {
      expect(run.meta.status).toBe(3);
      expect(Object.keys(run.params).sort()).toEqual(["depth", "iterations"]);
      expect(Number(run.params.iterations)).toBe(Number(run.tags.best_iteration) + 1);
      expect(run.tags).toMatchObject({
        estimator_name: "GbdtClassifier",
        model_name: MODEL,
        base_dt: BASE_DT,
        ct_version: "0.1.0-test",
      });
      expect(run.tags.data_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(run.metrics.Accuracy?.[0]?.value).toBeGreaterThan(0.4);
      expect(Object.keys(run.metrics)).toContain("model Accuracy");
      expect(Object.keys(run.metrics).some((key) => key.startsWith("F1:class "))).toBe(true);
      const curve = run.metrics["validation/MultiClassOneVsAll"] ?? [];
      expect(curve.length).toBeGreaterThan(Number(run.tags.best_iteration));
      expect(curve.map((point) => point.step)).toEqual(curve.map((_, step) => step));
      expect(
        existsSync(join(mlruns, experimentId, run.meta.run_id as string, "artifacts", "model", "MLmodel")),
      ).toBe(true);
    }
    const bestRun = runs.find((run) => run.tags.best_run === "true");
    expect(bestRun?.meta.run_id).toBe(summary.best.runId);
    const bestArtifacts = join(mlruns, experimentId, summary.best.runId, "artifacts", "report");
    expect(readFileSync(join(bestArtifacts, "report.md"), "utf8")).toContain("## Per class (validation)");
    expect(readFileSync(join(bestArtifacts, "confusion_matrix.svg"), "utf8")).toContain("<svg");

    // Model store: a complete version, `latest` pointing at it, BentoML's required keys.
    const versionDir = summary.model.path;
    const version = summary.model.tag.split(":")[1] as string;
    expect(readFileSync(join(store, "models", MODEL, "latest"), "utf8").trim()).toBe(version);
    const info = parseYaml(readFileSync(join(versionDir, "model.yaml"), "utf8"));
    expect(info).toMatchObject({ name: MODEL, version, module: "ct.gbdt", api_version: "v1" });
    expect(info.metadata).toMatchObject({ base_dt: BASE_DT, data_hash: summary.dataHash });
    for (const file of ["model.json", "scalers.json", "ct_model.json", "report.md", "confusion_matrix.svg"])
      expect(existsSync(join(versionDir, file))).toBe(true);

    // Batch scoring of raw rows reproduces the recorded validation accuracy.
    const output = join(dir, "predictions.csv");
    const scored = await predictCsv({
      storeRoot: store,
      tag: `${MODEL}:latest`,
      inputCsv: await rawValidationCsv(),
      outputCsv: output,
      engineOptions: {},
    });
    expect(scored.rows).toBe(232);
    expect(scored.accuracy).toBeCloseTo(summary.validationAccuracy, 10);
    const [header] = parse(await readFile(output, "utf8")) as string[][];
    expect(header?.slice(0, 5)).toEqual(["base_dt", "id", "customer_id", "date", "prediction"]);
    expect(header?.slice(5).every((column) => column.startsWith("probability_"))).toBe(true);
  }, 120_000);

  it("if-better keeps the current latest when the new model is not better, and logs why", async () => {
    const first = await runTrain(options());
    const second = await runTrain(options({ promote: "if-better" }));
    expect(second.gate.promote).toBe(false);
    expect(second.gate.currentAccuracy).toBeCloseTo(first.validationAccuracy, 12);
    expect(second.gate.reason).toMatch(
      /current model is as good or better: new 0\.\d{4} vs current 0\.\d{4}/,
    );
    const latest = readFileSync(join(store, "models", MODEL, "latest"), "utf8").trim();
    expect(latest).toBe(first.model.tag.split(":")[1]);
    expect(existsSync(second.model.path)).toBe(true);
  }, 120_000);

  it("fails clearly on missing inputs, wrong columns and unknown parameters, before tracking anything", async () => {
    await expect(runTrain(options({ baseDt: "2025-02-11" }))).rejects.toThrow(NoInputError);
    const paths = preprocessOutputPaths(artifacts, MODEL, BASE_DT);
    const bad = parseModelConfig({ params: { ...config.params, depht: 3 } });
    await expect(runTrain(options({ config: bad }))).rejects.toThrow(UsageError);
    await expect(runTrain(options({ config: bad }))).rejects.toThrow(/depht/);
    const original = await readFile(paths.valCsv, "utf8");
    await writeFile(paths.valCsv, original.replace("credit_mix", "creditmix"));
    await expect(runTrain(options())).rejects.toThrow(DataContractError);
    await expect(runTrain(options())).rejects.toThrow(/val CSV lacks column "credit_mix"/);
    expect(existsSync(mlruns) ? listExperiments(mlruns) : []).toEqual([]);
    expect(existsSync(join(store, "models"))).toBe(false);
  });
});
