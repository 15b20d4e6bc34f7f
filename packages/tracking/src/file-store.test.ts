import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  listExperiments,
  listRunIds,
  parseMetricFile,
  readRun,
  readYaml11,
  walkKeys,
} from "../test-support/mlflow-reader.ts";
import { TrackingError, TrackingValidationError } from "./errors.ts";
import { FileStore } from "./file-store.ts";
import { catboostFlavors, pythonEnvFiles } from "./mlmodel.ts";
import { mlflowMetricKey } from "./validation.ts";

let dir: string;
let root: string;
let clock: number;
const now = (): number => clock;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ct-tracking-"));
  root = join(dir, "mlruns");
  clock = 1_763_546_400_000;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (extra: Partial<Parameters<typeof FileStore.open>[0]> = {}): Promise<FileStore> =>
  FileStore.open({ rootDir: root, user: "builder", now, ...extra });

const text = (...parts: string[]): string => readFileSync(join(root, ...parts), "utf8");

describe("FileStore root", () => {
  it("creates .trash and the Default experiment 0 in a new root, as MLflow does", async () => {
    const store = await open();
    expect(store.displayUri).toBe(pathToFileURL(root).href);
    expect(statSync(join(root, ".trash")).isDirectory()).toBe(true);
    const meta = readYaml11(join(root, "0", "meta.yaml"));
    expect(meta).toEqual({
      artifact_location: pathToFileURL(join(root, "0")).href,
      creation_time: clock,
      experiment_id: "0",
      last_update_time: clock,
      lifecycle_stage: "active",
      name: "Default",
    });
  });

  it("leaves an existing root's experiments alone and only adds .trash", async () => {
    await open();
    rmSync(join(root, ".trash"), { recursive: true });
    rmSync(join(root, "0"), { recursive: true });
    await open();
    expect(readdirSync(root).sort()).toEqual([".trash"]);
  });

  it("refuses a root that is a file", async () => {
    writeFileSync(root, "x");
    await expect(open()).rejects.toThrow(/not a directory/);
  });
});

describe("FileStore experiments", () => {
  it("writes meta.yaml with a numeric string id equal to the folder, sorted keys, quoted strings", async () => {
    const store = await open();
    const id = await store.createExperiment("training-2025-01-01-093000", { "mlflow.note.content": "yes" });
    expect(id).toMatch(/^[1-9]\d{17}$/);
    const raw = text(id, "meta.yaml");
    expect(raw).toBe(
      [
        `artifact_location: "${pathToFileURL(join(root, id)).href}"`,
        `creation_time: ${clock}`,
        `experiment_id: "${id}"`,
        `last_update_time: ${clock}`,
        'lifecycle_stage: "active"',
        'name: "training-2025-01-01-093000"',
        "",
      ].join("\n"),
    );
    const meta = readYaml11(join(root, id, "meta.yaml"));
    expect(meta.experiment_id).toBe(id);
    expect(typeof meta.creation_time).toBe("number");
    expect(text(id, "tags", "mlflow.note.content")).toBe("yes");
    expect(
      listExperiments(root)
        .map((e) => e.id)
        .sort(),
    ).toEqual(["0", id].sort());
    expect(await store.getExperimentByName("training-2025-01-01-093000")).toBe(id);
    expect(await store.getExperimentByName("nope")).toBeUndefined();
  });

  it("refuses a duplicate name, and getOrCreateExperiment returns the existing id", async () => {
    const store = await open();
    const id = await store.createExperiment("exp");
    await expect(store.createExperiment("exp")).rejects.toThrow(/already exists \(id \d+\)/);
    expect(await store.getOrCreateExperiment("exp")).toBe(id);
  });

  it("quotes names PyYAML would otherwise read as bool, null, int, sexagesimal or date", async () => {
    const store = await open();
    for (const name of ["yes", "null", "0123", "12:30", "2025-01-01", "1_000", ".inf", 'a "q" \\ é 😀']) {
      const id = await store.createExperiment(name);
      expect(readYaml11(join(root, id, "meta.yaml")).name).toBe(name);
    }
  });

  it("retries another id when the chosen folder already exists (mkdir is the atomic claim)", async () => {
    const ids = ["111111111111111111", "111111111111111111", "222222222222222222"];
    const store = await open({ newExperimentId: () => ids.shift() ?? "333333333333333333" });
    expect(await store.createExperiment("a")).toBe("111111111111111111");
    expect(await store.createExperiment("b")).toBe("222222222222222222");
    expect(readYaml11(join(root, "111111111111111111", "meta.yaml")).name).toBe("a");
  });

  it("creates one experiment when many clients getOrCreate the same name at once", async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => open()));
    const ids = await Promise.all(clients.map((c) => c.getOrCreateExperiment("shared")));
    expect(new Set(ids).size).toBe(1);
    expect(listExperiments(root).filter((e) => e.meta.name === "shared")).toHaveLength(1);
    expect(readdirSync(root).filter((n) => n.startsWith(".ct-lock"))).toEqual([]);
  });

  it("takes over a lock file left by a crashed process, and ignores leftover temporary files", async () => {
    const store = await open();
    const hash = createHash("sha256").update("after-crash").digest("hex").slice(0, 24);
    const lock = join(root, `.ct-lock-${hash}`);
    writeFileSync(lock, "4242 crashed\n");
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const id = await store.getOrCreateExperiment("after-crash");
    const runId = await store.createRun({ experimentId: id });
    writeFileSync(join(root, id, runId, ".ct-tmp-4242-deadbeef"), "half");
    await store.logMetrics(runId, [{ key: "loss", value: 1 }]);
    expect(readRun(root, id, runId).metrics.loss).toHaveLength(1);
    expect(listRunIds(root, id)).toEqual([runId]);
  });

  it("rejects empty and over-long experiment names", async () => {
    const store = await open();
    await expect(store.createExperiment("")).rejects.toBeInstanceOf(TrackingValidationError);
    await expect(store.createExperiment("x".repeat(501))).rejects.toThrow(/at most 500/);
  });
});

describe("FileStore runs", () => {
  it("writes run meta.yaml field by field (run_id == run_uuid, int status, null end_time)", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const runId = await store.createRun({
      experimentId: exp,
      runName: "Run 1",
      tags: { estimator_name: "CatBoost" },
    });
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    const raw = text(exp, runId, "meta.yaml");
    const artifactUri = pathToFileURL(join(root, exp, runId, "artifacts")).href;
    expect(raw).toBe(
      [
        `artifact_uri: "${artifactUri}"`,
        "end_time: null",
        'entry_point_name: ""',
        `experiment_id: "${exp}"`,
        'lifecycle_stage: "active"',
        `run_id: "${runId}"`,
        'run_name: "Run 1"',
        `run_uuid: "${runId}"`,
        'source_name: ""',
        "source_type: 4",
        'source_version: ""',
        `start_time: ${clock}`,
        "status: 1",
        "tags: []",
        'user_id: "builder"',
        "",
      ].join("\n"),
    );
    const run = readRun(root, exp, runId);
    expect(run.meta.run_id).toBe(run.meta.run_uuid);
    expect(run.tags).toEqual({
      estimator_name: "CatBoost",
      "mlflow.runName": "Run 1",
      "mlflow.source.name": "ct",
      "mlflow.source.type": "LOCAL",
      "mlflow.user": "builder",
    });
    expect(listRunIds(root, exp)).toEqual([runId]);
  });

  it("logs params and tags as files without trailing newline, and metrics as '<ts> <value> <step>' lines", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const runId = await store.createRun({ experimentId: exp, runName: "Run 1" });
    await store.logParams(runId, { depth: 7, rsm: 0.8, l2_leaf_reg: 3, iterations: 412, use_best: true });
    await store.setTags(runId, { engine: "builtin", "ct/base_dt": "2025-01-01" });
    const f1 = mlflowMetricKey("F1:class=Good");
    expect(f1).toBe("F1:class Good");
    await store.logMetrics(runId, [
      { key: "Accuracy", value: 0.875, step: 0, timestamp: 1000 },
      { key: "Accuracy", value: 0.9, step: 1, timestamp: 1001 },
      { key: f1, value: Number.NaN, step: 0, timestamp: 1002 },
      { key: "val/loss", value: 1e-7, step: 2, timestamp: 1003 },
      { key: "inf", value: Number.NEGATIVE_INFINITY },
    ]);
    await store.logMetrics(runId, [{ key: "Accuracy", value: 1, step: 2, timestamp: 1004 }]);
    expect(text(exp, runId, "params", "depth")).toBe("7");
    expect(text(exp, runId, "params", "rsm")).toBe("0.8");
    expect(text(exp, runId, "params", "use_best")).toBe("True");
    expect(text(exp, runId, "tags", "engine")).toBe("builtin");
    expect(text(exp, runId, "tags", "ct", "base_dt")).toBe("2025-01-01");
    expect(text(exp, runId, "metrics", "Accuracy")).toBe("1000 0.875 0\n1001 0.9 1\n1004 1 2\n");
    expect(text(exp, runId, "metrics", "F1:class Good")).toBe("1002 NaN 0\n");
    expect(text(exp, runId, "metrics", "val", "loss")).toBe("1003 1e-7 2\n");
    expect(text(exp, runId, "metrics", "inf")).toBe(`${clock} -Infinity 0\n`);
    const run = readRun(root, exp, runId);
    expect(Object.keys(run.metrics).sort()).toEqual(["Accuracy", "F1:class Good", "inf", "val/loss"]);
    expect(run.params.depth).toBe("7");
    for (const value of [...Object.values(run.params), ...Object.values(run.tags)]) {
      expect(value.endsWith("\n")).toBe(false);
    }
  });

  it("keeps params immutable: same value is fine, a different one names the key", async () => {
    const store = await open();
    const runId = await store.createRun({ experimentId: await store.createExperiment("e") });
    await store.logParams(runId, { depth: 7 });
    await store.logParams(runId, { depth: "7" });
    await expect(store.logParams(runId, { depth: 8 })).rejects.toThrow(
      /param "depth" was already logged with value "7"/,
    );
  });

  it("rejects invalid names before writing anything, naming the bad value", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const runId = await store.createRun({ experimentId: exp });
    await expect(store.logMetrics(runId, [{ key: "F1:class=Good", value: 1 }])).rejects.toThrow(
      /invalid metric key "F1:class=Good".*found "="/,
    );
    for (const key of ["a//b", "/abs", "../up", "x/", "./x", "a,b", "k".repeat(251), ""]) {
      await expect(store.logParams(runId, { [key]: "v" })).rejects.toBeInstanceOf(TrackingValidationError);
    }
    await expect(store.setTags(runId, { "bad(tag)": "v" })).rejects.toThrow(/bad\(tag\)/);
    await expect(store.logMetrics(runId, [{ key: "ok", value: 1, step: 1.5 }])).rejects.toThrow(/step 1.5/);
    await expect(store.logMetrics(runId, [{ key: "ok", value: 1, timestamp: 1.7e12 + 0.5 }])).rejects.toThrow(
      /timestamp/,
    );
    // A bad key in a batch writes nothing at all.
    await expect(
      store.logBatch(runId, { params: { good: 1 }, metrics: [{ key: "b=d", value: 1 }] }),
    ).rejects.toThrow();
    expect(walkKeys(join(root, exp, runId, "params"))).toEqual([]);
    await expect(store.logParams("../../etc", { a: 1 })).rejects.toThrow(/invalid run id/);
    await expect(store.createRun({ experimentId: "../x" })).rejects.toThrow(/invalid experiment id/);
    await expect(store.createRun({ experimentId: "999" })).rejects.toThrow(/does not exist/);
  });

  it("truncates over-long param/tag values with a warning (MLflow's default) or throws when asked", async () => {
    const warnings: string[] = [];
    const store = await open({ onWarning: (m) => warnings.push(m) });
    const runId = await store.createRun({ experimentId: await store.createExperiment("e") });
    await store.logParams(runId, { long: "x".repeat(7000) });
    expect(warnings[0]).toMatch(/truncated to 6000/);
    const strict = await open({ truncateLongValues: false });
    await expect(strict.setTags(runId, { t: "y".repeat(8001) })).rejects.toThrow(/at most 8000/);
  });

  it("ends runs with MLflow's int status and end_time, and finds runs created by another client", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const a = await store.createRun({ experimentId: exp, runName: "Run 1" });
    const other = await open();
    clock += 5000;
    await other.endRun(a, "FINISHED");
    const b = await store.createRun({ experimentId: exp });
    await store.endRun(b, "FAILED", clock + 1);
    const c = await store.createRun({ experimentId: exp });
    await store.endRun(c, "KILLED");
    expect(readRun(root, exp, a).meta).toMatchObject({ status: 3, end_time: clock, run_name: "Run 1" });
    expect(readRun(root, exp, b).meta).toMatchObject({ status: 4, end_time: clock + 1 });
    expect(readRun(root, exp, c).meta.status).toBe(5);
    await expect(store.endRun(a, "DONE" as "FINISHED")).rejects.toThrow(/invalid run end status "DONE"/);
    await expect(store.endRun("0123456789abcdef0123456789abcdef", "FINISHED")).rejects.toThrow(/not found/);
  });

  it("keeps mlflow.runName and run_name in sync", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const runId = await store.createRun({ experimentId: exp, runName: "old" });
    await store.setTags(runId, { "mlflow.runName": "yes" });
    expect(readRun(root, exp, runId).meta.run_name).toBe("yes");
  });

  it("creates unique runs from many concurrent clients in the same experiment, all readable", async () => {
    const first = await open();
    const exp = await first.createExperiment("parallel");
    const clients = await Promise.all(Array.from({ length: 6 }, () => open()));
    const runIds = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const client = clients[i % clients.length] as FileStore;
        const runId = await client.createRun({ experimentId: exp, runName: `Run ${i + 1}` });
        await client.logBatch(runId, {
          params: { i },
          metrics: Array.from({ length: 50 }, (_, step) => ({ key: "loss", value: 1 / (step + 1), step })),
        });
        await client.endRun(runId, "FINISHED");
        return runId;
      }),
    );
    expect(new Set(runIds).size).toBe(30);
    expect(listRunIds(root, exp)).toEqual([...runIds].sort());
    for (const runId of runIds) {
      const run = readRun(root, exp, runId);
      expect(run.metrics.loss).toHaveLength(50);
      expect(run.meta.status).toBe(3);
    }
  });

  it("leaves a run whose process died readable as RUNNING, with no temporary files where MLflow looks", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const runId = await store.createRun({ experimentId: exp, runName: "crashed" });
    await store.logMetrics(runId, [{ key: "loss", value: 0.5, step: 0 }]);
    // No endRun: the process "died" here.
    const run = readRun(root, exp, runId);
    expect(run.meta).toMatchObject({ status: 1, end_time: null });
    for (const sub of ["metrics", "params", "tags"]) {
      expect(walkKeys(join(root, exp, runId, sub)).some((k) => k.includes(".ct-tmp"))).toBe(false);
    }
    // A later process can mark it KILLED.
    await (await open()).endRun(runId, "KILLED");
    expect(readRun(root, exp, runId).meta.status).toBe(5);
  });

  it("stores artifacts under the run's file:// artifact_uri, from bytes, text or a file", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const runId = await store.createRun({ experimentId: exp });
    const source = join(dir, "cm.svg");
    writeFileSync(source, "<svg/>");
    await store.logArtifact(runId, "report.md", "# Report\n");
    await store.logArtifact(runId, "plots/cm.svg", { file: source });
    await store.logArtifact(runId, "raw.bin", new Uint8Array([1, 2, 3]));
    expect(walkKeys(join(root, exp, runId, "artifacts"))).toEqual(["plots/cm.svg", "raw.bin", "report.md"]);
    expect(text(exp, runId, "artifacts", "plots", "cm.svg")).toBe("<svg/>");
    await expect(store.logArtifact(runId, "../escape", "x")).rejects.toThrow(/invalid artifact path/);
  });
});

describe("FileStore logModel", () => {
  const signature = {
    inputs: [
      { name: "age", type: "double" as const },
      { name: "occupation", type: "string" as const },
      { name: "n", type: "long" as const, required: false },
    ],
    outputs: [{ tensor: { dtype: "float64", shape: [-1, 3] } }],
  };

  it("writes the 3.x LoggedModel, the run → model link and the 2.x runs:/ layout", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const runId = await store.createRun({ experimentId: exp, runName: "Run 1" });
    const env = pythonEnvFiles({
      pythonVersion: "3.11.2",
      requirements: ["mlflow==3.6.0", "catboost==1.2.7"],
    });
    const info = await store.logModel(runId, {
      flavors: catboostFlavors({ catboostVersion: "1.2.7", pythonVersion: "3.11.2" }),
      signature,
      files: { "model.cb": new Uint8Array([9, 9, 9, 9]), ...env },
      params: { depth: 7 },
      tags: { engine: "catboost" },
      metrics: [{ key: "Accuracy", value: 0.9, step: 0, timestamp: 5 }],
    });
    const modelId = info.modelId as string;
    expect(modelId).toMatch(/^m-[0-9a-f]{32}$/);
    expect(info).toEqual({ modelId, modelUri: `models:/${modelId}`, runModelUri: `runs:/${runId}/model` });

    const modelDir = join(root, exp, "models", modelId);
    const artifactLocation = pathToFileURL(join(modelDir, "artifacts")).href;
    expect(readYaml11(join(modelDir, "meta.yaml"))).toEqual({
      artifact_location: artifactLocation,
      creation_timestamp: clock,
      experiment_id: exp,
      last_updated_timestamp: clock,
      lifecycle_stage: "active",
      model_id: modelId,
      model_type: null,
      name: "model",
      source_run_id: runId,
      status: 2,
      status_message: null,
    });
    expect(readFileSync(join(modelDir, "params", "depth"), "utf8")).toBe("7");
    expect(readFileSync(join(modelDir, "tags", "engine"), "utf8")).toBe("catboost");
    expect(parseMetricFile(join(modelDir, "metrics", "Accuracy"), 4)).toHaveLength(1);
    expect(readFileSync(join(modelDir, "metrics", "Accuracy"), "utf8")).toBe(`5 0.9 0 ${runId}\n`);
    expect(walkKeys(join(modelDir, "artifacts"))).toEqual([
      "MLmodel",
      "conda.yaml",
      "model.cb",
      "python_env.yaml",
      "requirements.txt",
    ]);

    const mlmodel = readYaml11(join(modelDir, "artifacts", "MLmodel"));
    expect(mlmodel).toMatchObject({
      artifact_path: artifactLocation,
      is_signature_from_type_hint: false,
      mlflow_version: "3.6.0",
      model_id: modelId,
      model_uuid: modelId,
      model_size_bytes: expect.any(Number),
      prompts: null,
      run_id: runId,
      type_hint_from_example: false,
    });
    expect(mlmodel.utc_time_created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(mlmodel.flavors).toEqual({
      catboost: {
        catboost_version: "1.2.7",
        code: null,
        data: "model.cb",
        model_type: "CatBoostClassifier",
        save_format: "cbm",
      },
      python_function: {
        data: "model.cb",
        env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
        loader_module: "mlflow.catboost",
        python_version: "3.11.2",
      },
    });
    const sig = mlmodel.signature as Record<string, unknown>;
    expect(typeof sig.inputs).toBe("string");
    expect(sig.inputs).toBe(
      '[{"type": "double", "name": "age", "required": true}, {"type": "string", "name": "occupation", "required": true}, {"type": "long", "name": "n", "required": false}]',
    );
    expect(JSON.parse(sig.outputs as string)).toEqual([
      { type: "tensor", "tensor-spec": { dtype: "float64", shape: [-1, 3] } },
    ]);
    expect(sig.params).toBeNull();

    expect(readYaml11(join(root, exp, runId, "outputs", modelId, "meta.yaml"))).toEqual({
      destination_id: modelId,
      destination_type: "MODEL_OUTPUT",
      source_id: modelId,
      source_type: "RUN_OUTPUT",
      step: 0,
      tags: {},
    });

    // 2.x: runs:/<run>/model/MLmodel with artifact_path "model" + mlflow.log-model.history.
    const runModel = readYaml11(join(root, exp, runId, "artifacts", "model", "MLmodel"));
    expect(runModel.artifact_path).toBe("model");
    expect(runModel.run_id).toBe(runId);
    expect(readFileSync(join(root, exp, runId, "artifacts", "model", "model.cb"))).toEqual(
      Buffer.from([9, 9, 9, 9]),
    );
    const history = JSON.parse(readRun(root, exp, runId).tags["mlflow.log-model.history"] as string);
    expect(history).toEqual([
      {
        run_id: runId,
        artifact_path: "model",
        utc_time_created: runModel.utc_time_created,
        model_uuid: modelId,
        flavors: mlmodel.flavors,
      },
    ]);
    // The models/ folder is reserved and never taken for a run; the run stays readable.
    expect(listRunIds(root, exp)).toEqual([runId]);
    expect(
      parse(readFileSync(join(root, exp, runId, "artifacts", "model", "python_env.yaml"), "utf8")),
    ).toEqual({
      python: "3.11.2",
      build_dependencies: ["pip", "setuptools", "wheel"],
      dependencies: ["-r requirements.txt"],
    });
  });

  it("appends to mlflow.log-model.history for a second model", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const runId = await store.createRun({ experimentId: exp });
    const flavors = { ct_gbdt: { data: "model.json", engine: "builtin" } };
    await store.logModel(runId, { name: "first", flavors, signature, files: { "model.json": "{}" } });
    await store.logModel(runId, { name: "second", flavors, signature, files: { "model.json": "{}" } });
    const history = JSON.parse(readRun(root, exp, runId).tags["mlflow.log-model.history"] as string);
    expect(history.map((h: { artifact_path: string }) => h.artifact_path)).toEqual(["first", "second"]);
  });

  it("rejects bad model names, signatures and flavors before writing", async () => {
    const store = await open();
    const exp = await store.createExperiment("e");
    const runId = await store.createRun({ experimentId: exp });
    const base = { flavors: { x: { a: 1 } }, signature, files: {} };
    await expect(store.logModel(runId, { ...base, name: "my.model" })).rejects.toThrow(
      /invalid logged model name "my.model"/,
    );
    await expect(store.logModel(runId, { ...base, signature: { inputs: [] } })).rejects.toThrow(
      /at least one input/,
    );
    await expect(
      store.logModel(runId, { ...base, signature: { inputs: [{ name: "a", type: "int64" as "long" }] } }),
    ).rejects.toThrow(/unknown type "int64"/);
    await expect(store.logModel(runId, { ...base, flavors: {} })).rejects.toThrow(/at least one flavor/);
    await expect(store.logModel(runId, { ...base, mlflowVersion: "latest" })).rejects.toThrow(
      /parseable version/,
    );
    await expect(store.logModel(runId, { ...base, files: { MLmodel: "x" } })).rejects.toThrow(/MLmodel/);
    expect(() => statSync(join(root, exp, "models"))).toThrow();
  });

  it("is not confused by an error type", () => {
    expect(new TrackingValidationError("x")).toBeInstanceOf(TrackingError);
  });
});
