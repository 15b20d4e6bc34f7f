// Helpers of the train / model store fault tests (train-kill, disk-full, model-store-hostile):
// preprocess outputs copied from the reference fixture, the built ct-train bin run or spawned as a
// user would, and checks of the model store and the MLflow tree with the test readers.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { referenceFixture } from "@ct/fixtures";
import { type StoredModel, scanModels } from "@ct/model-store";
import { runBuiltBin } from "@ct/step-kit/test-support";
import { listExperiments, listRunIds, type ReadRun, readRun, readYaml11 } from "@ct/tracking/test-support";

export const trainBin = fileURLToPath(new URL("../../../steps/train/dist/bin.js", import.meta.url));
export const ctBin = fileURLToPath(new URL("../../ct/dist/bin.js", import.meta.url));
export const BASE_DT = referenceFixture.baseDt;

/** One configuration of 10 iterations: a complete train in about a second. */
export const TINY_GRID = [
  "--engine",
  "builtin",
  "--workers",
  "1",
  "--grid",
  "depth=3",
  "--param",
  "rsm=1",
  "--param",
  "l2_leaf_reg=3",
  "--param",
  "iterations=10",
] as const;

export interface PreprocessPaths {
  readonly directory: string;
  readonly trainCsv: string;
  readonly valCsv: string;
  readonly scalerJson: string;
}

/** Where preprocess writes its outputs (docs/training.md), without depending on @ct/preprocessing. */
export function preprocessPaths(artifacts: string, model: string, baseDt: string = BASE_DT): PreprocessPaths {
  const directory = join(artifacts, "preprocessing", model, baseDt);
  return {
    directory,
    trainCsv: join(directory, `${model}_train.csv`),
    valCsv: join(directory, `${model}_val.csv`),
    scalerJson: join(directory, "encoders", "robust_scaler.json"),
  };
}

/** Lays out the reference fixture's preprocess outputs (540 train, 232 val rows) for `model`. */
export async function writePreprocessOutputs(artifacts: string, model: string): Promise<PreprocessPaths> {
  const paths = preprocessPaths(artifacts, model);
  await mkdir(join(paths.directory, "encoders"), { recursive: true });
  await copyFile(referenceFixture.expected.trainCsv, paths.trainCsv);
  await copyFile(referenceFixture.expected.valCsv, paths.valCsv);
  const features = JSON.parse(await readFile(referenceFixture.expected.robustScaler, "utf8")) as unknown;
  await writeFile(paths.scalerJson, JSON.stringify({ schema_version: 1, kind: "RobustScaler", features }));
  return paths;
}

export interface TrainPlaces {
  readonly artifacts: string;
  readonly store: string;
  readonly mlruns: string;
  /** TMPDIR of the step (train's scratch folder goes there). */
  readonly tmp: string;
}

export function trainEnv(places: TrainPlaces, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ARTIFACTS_PATH: places.artifacts,
    MODEL_STORE_PATH: places.store,
    MLFLOW_TRACKING_URI: places.mlruns,
    TMPDIR: places.tmp,
    ...extra,
  };
}

/** Runs ct-train to completion. */
export function train(
  places: TrainPlaces,
  model: string,
  args: readonly string[] = TINY_GRID,
  extra: Record<string, string> = {},
) {
  return runBuiltBin(
    trainBin,
    ["--model_name", model, "--base_dt", BASE_DT, "--json", ...args],
    trainEnv(places, extra),
  );
}

export interface Spawned {
  readonly child: ChildProcess;
  /** Resolves once stderr matches `pattern` (rejects if the process ends first or after 60 s). */
  waitFor(pattern: RegExp): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  stderr(): string;
}

/** Starts ct-train as a child process, watching its stderr. */
export function spawnTrain(
  places: TrainPlaces,
  model: string,
  args: readonly string[],
  extra: Record<string, string> = {},
): Spawned {
  const child = spawn(process.execPath, [trainBin, "--model_name", model, "--base_dt", BASE_DT, ...args], {
    cwd: "/",
    env: { PATH: process.env.PATH ?? "", CT_SECRETS_DIR: "/nonexistent", ...trainEnv(places, extra) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolvePromise) => child.once("close", (code, signal) => resolvePromise({ code, signal, stderr })),
  );
  return {
    child,
    exited,
    stderr: () => stderr,
    waitFor: (pattern) =>
      new Promise<void>((resolvePromise, reject) => {
        if (pattern.test(stderr)) return resolvePromise();
        const timer = setTimeout(() => reject(new Error(`never saw ${pattern}:\n${stderr}`)), 60_000);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolvePromise();
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          if (!pattern.test(stderr)) reject(new Error(`ct-train ended before ${pattern}:\n${stderr}`));
        });
      }),
  };
}

/** The store as BentoML would list it: the readable models of `model` and every problem entry. */
export async function storeState(store: string, model: string) {
  const { models, problems } = await scanModels(store);
  const latestFile = join(store, "models", model, "latest");
  return {
    versions: models
      .filter((m: StoredModel) => m.name === model)
      .map((m) => m.version)
      .sort(),
    problems,
    latest: existsSync(latestFile) ? (await readFile(latestFile, "utf8")).trim() : undefined,
    /** Folders under models/<model>/ (complete or not). */
    folders: existsSync(join(store, "models", model))
      ? readdirSync(join(store, "models", model)).filter((entry) =>
          statSync(join(store, "models", model, entry)).isDirectory(),
        )
      : [],
  };
}

/**
 * Reads every experiment and run of an MLflow file store with the strict test reader; also fails
 * on a run folder without a meta.yaml (MLflow would only warn about it and skip it).
 */
export function readMlflowTree(root: string): { experiment: string; runs: ReadRun[] }[] {
  const reserved = new Set(["tags", "datasets", "traces", "models"]);
  return listExperiments(root).map(({ id, meta }) => {
    const experimentDir = join(root, id);
    for (const entry of readdirSync(experimentDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || reserved.has(entry.name)) continue;
      const metaPath = join(experimentDir, entry.name, "meta.yaml");
      if (!existsSync(metaPath)) throw new Error(`run folder ${entry.name} of ${id} has no meta.yaml`);
      readYaml11(metaPath);
    }
    return { experiment: String(meta.name), runs: listRunIds(root, id).map((run) => readRun(root, id, run)) };
  });
}

/** MLflow's run status codes (RunStatus): the ones ct writes. */
export const RUN_STATUS = { RUNNING: 1, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;
