// Corrupt and hostile input on the train side, against the built ct-train bin (docs/reliability.md,
// "Train, model store and containers"): truncated CSVs, broken scaler files, a corrupt neighbour in
// the model store, a dangling `latest`, and model names built to escape the store.
import { existsSync, readdirSync, statSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { getModel, latestVersion, listModels, scanModels } from "@ct/model-store";
import { runBuiltBin } from "@ct/step-kit/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BASE_DT,
  ctBin,
  preprocessPaths,
  storeState,
  TINY_GRID,
  type TrainPlaces,
  train,
  trainBin,
  writePreprocessOutputs,
} from "../test-support/train-inputs.ts";

const MODEL = "fault_hostile";
let dir: string;
let clean: string;
/** A store holding one model trained on the clean inputs (v1), copied into the store cases. */
let trainedStore: string;
let v1: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ct-faults-hostile-"));
  clean = join(dir, "clean-artifacts");
  await writePreprocessOutputs(clean, MODEL);
  trainedStore = join(dir, "trained-store");
  const first = train(
    { artifacts: clean, store: trainedStore, mlruns: join(dir, "trained-mlruns"), tmp: tmpdir() },
    MODEL,
  );
  expect(first.code, first.stderr).toBe(0);
  v1 = versionOf(first.stdout);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
/** A fresh sandbox (artifacts copied from the clean fixture, empty store, no mlruns). */
async function sandbox(withV1 = false): Promise<TrainPlaces & { root: string }> {
  counter += 1;
  const root = join(dir, `case-${counter}`);
  const places = {
    root,
    artifacts: join(root, "artifacts"),
    store: join(root, "store"),
    mlruns: join(root, "mlruns"),
    tmp: join(root, "tmp"),
  };
  await cp(clean, places.artifacts, { recursive: true });
  if (withV1) await cp(trainedStore, places.store, { recursive: true });
  await mkdir(places.tmp);
  return places;
}

/** Every path under `root`, relative, for before/after comparisons. */
function tree(root: string): string[] {
  const out: string[] = [];
  const visit = (path: string): void => {
    out.push(relative(root, path) || ".");
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  if (existsSync(root)) visit(root);
  return out.sort();
}

/** ct-train failed on the data: exit 1, one `ct-train: error:` line matching `message`, nothing written. */
async function expectRejectedInput(places: TrainPlaces & { root: string }, message: RegExp): Promise<void> {
  const before = tree(places.root);
  const result = train(places, MODEL);
  expect(result.code, result.stderr).toBe(1);
  const errors = result.stderr.split("\n").filter((line) => line.includes("ct-train: error:"));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  // Nothing trained, tracked or saved: the inputs are checked before MLflow and the store are opened.
  expect(tree(places.root)).toEqual(before);
}

describe("ct-train with corrupt preprocess outputs", () => {
  it("a train CSV cut in the middle of a row: exit 1 naming the file, nothing written", async () => {
    const places = await sandbox();
    const { trainCsv } = preprocessPaths(places.artifacts, MODEL);
    const text = await readFile(trainCsv, "utf8");
    await writeFile(trainCsv, text.slice(0, Math.floor(text.length * 0.6)));
    await expectRejectedInput(places, /train CSV|_train\.csv/);
  });

  it("a train CSV with its header only: exit 3 or 1, nothing written", async () => {
    const places = await sandbox();
    const { trainCsv } = preprocessPaths(places.artifacts, MODEL);
    const text = await readFile(trainCsv, "utf8");
    await writeFile(trainCsv, text.slice(0, text.indexOf("\n") + 1));
    const before = tree(places.root);
    const result = train(places, MODEL);
    expect([1, 3], result.stderr).toContain(result.code);
    expect(result.stderr).toMatch(/ct-train: error: .*(train CSV|_train\.csv)/);
    expect(tree(places.root)).toEqual(before);
  });

  it.each([
    [
      "a NaN centre",
      (f: Record<string, Record<string, unknown>>, k: string) => ({ ...f, [k]: { ...f[k], center: "NaN" } }),
    ],
    [
      "a null scale",
      (f: Record<string, Record<string, unknown>>, k: string) => ({ ...f, [k]: { ...f[k], scale: null } }),
    ],
    [
      "a missing scale",
      (f: Record<string, Record<string, unknown>>, k: string) => {
        const { scale: _dropped, ...rest } = f[k] ?? {};
        return { ...f, [k]: rest };
      },
    ],
    [
      "a missing feature",
      (f: Record<string, Record<string, unknown>>, k: string) => {
        const { [k]: _dropped, ...rest } = f;
        return rest;
      },
    ],
  ])("a scaler file with %s: exit 1 naming the scaler file, nothing written", async (_what, corrupt) => {
    const places = await sandbox();
    const { scalerJson } = preprocessPaths(places.artifacts, MODEL);
    const doc = JSON.parse(await readFile(scalerJson, "utf8")) as {
      features: Record<string, Record<string, unknown>>;
    };
    const first = Object.keys(doc.features)[0] ?? "";
    await writeFile(scalerJson, JSON.stringify({ ...doc, features: corrupt(doc.features, first) }));
    await expectRejectedInput(places, /robust_scaler\.json|scaler/);
  });

  it("a scaler file that is not JSON (a bare NaN): exit 1, nothing written", async () => {
    const places = await sandbox();
    const { scalerJson } = preprocessPaths(places.artifacts, MODEL);
    const text = await readFile(scalerJson, "utf8");
    await writeFile(scalerJson, text.replace(/"center":\s*[-0-9.e]+/, '"center": NaN'));
    await expectRejectedInput(places, /robust_scaler\.json|scaler/);
  });
});

describe("ct-train with a hostile model store", () => {
  it("a malformed model.yaml of another model: ct trains its own, reports the other, writes nothing that breaks the listing", async () => {
    const places = await sandbox();
    const other = join(places.store, "models", "other_model", "aaaaaaaaaaaaaaaa");
    await mkdir(other, { recursive: true });
    await writeFile(join(other, "model.yaml"), 'name: "other_model"\nversion: [unclosed\n');
    await writeFile(join(places.store, "models", "other_model", "latest"), "aaaaaaaaaaaaaaaa");
    const result = train(places, MODEL);
    expect(result.code, result.stderr).toBe(0);
    const { models, problems } = await scanModels(places.store);
    // The only problem is the other model's own folder, untouched; ct's entry is complete.
    expect(problems.map((p) => relative(places.store, p.path))).toEqual([
      "models/other_model/aaaaaaaaaaaaaaaa/model.yaml",
    ]);
    expect(await readFile(join(other, "model.yaml"), "utf8")).toBe(
      'name: "other_model"\nversion: [unclosed\n',
    );
    expect(models.map((m) => m.name)).toEqual([MODEL]);
    const reported: string[] = [];
    expect((await listModels(places.store, { onProblem: (p) => reported.push(p.path) })).length).toBe(1);
    expect(reported).toHaveLength(1);
    // Nothing of ct's own outside models/<its name>/ and its scratch area.
    expect(readdirSync(join(places.store, "models")).sort()).toEqual([MODEL, "other_model"].sort());
    expect(readdirSync(places.store).sort()).toEqual([".ct-model-store", "models"]);
    // ct predict still serves its own model from this store (it used to answer every
    // `ct predict` with ct's version: yargs' --version shadowed the model's --version).
    const output = join(places.root, "predictions.csv");
    const predicted = runBuiltBin(
      ctBin,
      [
        "predict",
        "--model_name",
        MODEL,
        "--version",
        "latest",
        "--input",
        preprocessPaths(places.artifacts, MODEL).valCsv,
        "--output",
        output,
        "--json",
      ],
      { MODEL_STORE_PATH: places.store },
    );
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(JSON.parse(predicted.stdout)).toMatchObject({ command: "predict", status: "ok", rows: 232 });
    expect((await readFile(output, "utf8")).split("\n")[0]).toContain("prediction");
  });

  it("a corrupt model.yaml of its own latest version: the gate cannot score it, the new model is saved and becomes latest", async () => {
    const places = await sandbox(true);
    await writeFile(join(places.store, "models", MODEL, v1, "model.yaml"), "{{{ not yaml");
    const result = train(places, MODEL, [...TINY_GRID, "--promote", "if-better"]);
    expect(result.code, result.stderr).toBe(0);
    const v2 = versionOf(result.stdout);
    expect(result.stderr).toMatch(/could not be scored/);
    expect((await storeState(places.store, MODEL)).latest).toBe(v2);
    expect((await getModel(places.store, `${MODEL}:latest`)).version).toBe(v2);
  });

  it("a latest pointer naming a missing version, --promote always: the new model becomes latest", async () => {
    const places = await sandbox(true);
    await writeFile(join(places.store, "models", MODEL, "latest"), "zzzzzzzzzzzzzzzz");
    const result = train(places, MODEL);
    expect(result.code, result.stderr).toBe(0);
    const v2 = versionOf(result.stdout);
    expect((await storeState(places.store, MODEL)).latest).toBe(v2);
    expect((await scanModels(places.store)).problems).toEqual([]);
  });

  it("a latest pointer naming a missing version, --promote if-better keeping the current model: latest is repaired to it", async () => {
    const places = await sandbox(true);
    await writeFile(join(places.store, "models", MODEL, "latest"), "zzzzzzzzzzzzzzzz");
    // Same data, same grid: the new model is exactly as good, so the gate keeps v1.
    const result = train(places, MODEL, [...TINY_GRID, "--promote", "if-better"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).gate).toMatchObject({ promote: false, currentVersion: v1 });
    // Without the repair, BentoML (and ct) would fall back to the newest version — the new
    // model the gate just refused.
    expect((await storeState(places.store, MODEL)).latest).toBe(v1);
    expect(await latestVersion(places.store, MODEL)).toBe(v1);
    expect(result.stderr).toMatch(/latest named "zzzzzzzzzzzzzzzz", which does not exist/);
  });
});

describe("--model_name built to escape the store", () => {
  it.each([
    "../x",
    "a/b",
    "..",
    "/tmp/abs",
    "Credit",
    "x".repeat(64),
    "x\\y",
    "-x",
    "x_",
    "",
  ])("ct-train --model_name %j: exit 2, nothing written anywhere", async (name) => {
    const places = await sandbox();
    const before = tree(dir);
    const result = runBuiltBin(trainBin, [`--model_name=${name}`, "--base_dt", BASE_DT, ...TINY_GRID], {
      ARTIFACTS_PATH: places.artifacts,
      MODEL_STORE_PATH: places.store,
      MLFLOW_TRACKING_URI: places.mlruns,
      TMPDIR: places.tmp,
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/ct-train: error: .*model_name/);
    expect(tree(dir)).toEqual(before);
    expect(existsSync(join(places.root, "x"))).toBe(false);
  });

  it("ct predict --model_name ../x: exit 2, no output written", async () => {
    const places = await sandbox();
    const output = join(places.root, "predictions.csv");
    const result = runBuiltBin(
      ctBin,
      [
        "predict",
        "--model_name",
        "../x",
        "--input",
        preprocessPaths(places.artifacts, MODEL).valCsv,
        "--output",
        output,
      ],
      { MODEL_STORE_PATH: places.store },
    );
    expect(result.code, result.stderr).toBe(2);
    expect(existsSync(output)).toBe(false);
    expect(existsSync(places.store)).toBe(false);
  });
});

function versionOf(stdout: string): string {
  const tag = (JSON.parse(stdout) as { model: { tag: string } }).model.tag;
  return tag.slice(tag.indexOf(":") + 1);
}
