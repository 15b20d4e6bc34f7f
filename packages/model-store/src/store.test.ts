import { mkdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BentomlReadError,
  bentomlModelsGet,
  bentomlModelsList,
  checkStore,
} from "../test-support/bentoml-reader.ts";
import {
  gbdtInput,
  hasPyYaml,
  listTree,
  loadWithPyYaml,
  makeStoreRoot,
  removeStoreRoot,
  scratchEntries,
} from "../test-support/store-fixtures.ts";
import {
  CorruptModelError,
  deleteModel,
  getModel,
  latestVersion,
  listModels,
  ModelExistsError,
  ModelNotFoundError,
  ModelStoreError,
  ModelStoreValidationError,
  readLatestPointer,
  removeStaleTemporaries,
  type StoreProblem,
  saveModel,
  scanModels,
  setLatest,
} from "./index.ts";

let root = "";
beforeEach(async () => {
  root = await makeStoreRoot();
});
afterEach(async () => {
  await removeStoreRoot(root);
});

const NAME = "credit_score_classification";

describe("saveModel", () => {
  it("writes a model BentoML's reader accepts, field by field", async () => {
    const source = join(root, "outside.bin");
    await writeFile(source, Buffer.from([0, 1, 2, 255]));
    const input = gbdtInput({
      version: "2025-02-14.1",
      files: { ...gbdtInput().files, "weights/tree-0.bin": { file: source } },
    });
    const saved = await saveModel(root, input);
    expect(saved).toEqual({
      tag: `${NAME}:2025-02-14.1`,
      name: NAME,
      version: "2025-02-14.1",
      path: join(root, "models", NAME, "2025-02-14.1"),
    });

    const listed = bentomlModelsList(root);
    expect(listed.map((model) => model.tag)).toEqual([`${NAME}:2025-02-14.1`]);
    const yaml = bentomlModelsGet(root, `${NAME}:latest`).yaml;
    expect(Object.keys(yaml)).toEqual([
      "name",
      "version",
      "module",
      "labels",
      "options",
      "metadata",
      "context",
      "signatures",
      "api_version",
      "creation_time",
    ]);
    expect(yaml.name).toBe(NAME);
    expect(yaml.version).toBe("2025-02-14.1");
    expect(yaml.module).toBe("ct.gbdt");
    expect(yaml.labels).toEqual({ owner: "mlops-ts", stage: "yes", base_dt: "2025-02-14" });
    expect(yaml.options).toEqual({
      training_class_name: "GbdtClassifier",
      params: { depth: 6, learning_rate: 0.1 },
    });
    expect(yaml.metadata).toEqual({
      auc: 0.87,
      f1: 0.8125,
      rows: 9000,
      classes: ["Good", "Poor", "Standard"],
      run_id: "0123",
    });
    expect(yaml.context).toEqual({
      framework_name: "ct-gbdt",
      framework_versions: { "ct-gbdt": "0.1.0" },
      bentoml_version: "1.4.38",
      python_version: "3.11.2",
    });
    expect(yaml.signatures).toEqual({
      predict: { batchable: false },
      predict_proba: { batchable: true, batch_dim: [0, 0] },
    });
    expect(yaml.api_version).toBe("v1");
    expect(yaml.creation_time).toBe("2025-02-14T01:02:03.456000+00:00");

    // The version folder holds exactly the files given plus model.yaml, byte for byte.
    expect(await listTree(saved.path)).toEqual([
      "encoders/robust_scaler.json",
      "model.json",
      "model.yaml",
      "weights/tree-0.bin",
    ]);
    expect(await readFile(join(saved.path, "model.json"), "utf8")).toBe('{"trees":[]}\n');
    expect(await readFile(join(saved.path, "encoders/robust_scaler.json"), "utf8")).toBe('{"center":1}');
    expect([...(await readFile(join(saved.path, "weights/tree-0.bin")))]).toEqual([0, 1, 2, 255]);

    // latest: the version, no newline; nothing else under models/<name>; no scratch leftovers.
    expect(await readFile(join(root, "models", NAME, "latest"), "utf8")).toBe("2025-02-14.1");
    expect(await listTree(join(root, "models"))).toEqual([
      `${NAME}/2025-02-14.1/encoders/robust_scaler.json`,
      `${NAME}/2025-02-14.1/model.json`,
      `${NAME}/2025-02-14.1/model.yaml`,
      `${NAME}/2025-02-14.1/weights/tree-0.bin`,
      `${NAME}/latest`,
    ]);
    expect(await scratchEntries(root)).toEqual([]);

    // Our own reader agrees.
    const model = await getModel(root, NAME);
    expect(model).toMatchObject({
      tag: `${NAME}:2025-02-14.1`,
      path: saved.path,
      module: "ct.gbdt",
      apiVersion: "v1",
      labels: input.labels,
      options: input.options,
      metadata: input.metadata,
      context: input.context,
      creationTimeText: "2025-02-14T01:02:03.456000+00:00",
    });
    expect(model.creationTime.toISOString()).toBe("2025-02-14T01:02:03.456Z");
  });

  it.skipIf(!hasPyYaml())("writes a model.yaml that PyYAML + BentoML's checks load unchanged", async () => {
    const saved = await saveModel(root, gbdtInput({ version: "1.0" }));
    const loaded = loadWithPyYaml(join(saved.path, "model.yaml"));
    expect(loaded).toEqual({
      name: NAME,
      version: "1.0",
      module: "ct.gbdt",
      labels: { owner: "mlops-ts", stage: "yes", base_dt: "2025-02-14" },
      options: { training_class_name: "GbdtClassifier", params: { depth: 6, learning_rate: 0.1 } },
      metadata: { auc: 0.87, f1: 0.8125, rows: 9000, classes: ["Good", "Poor", "Standard"], run_id: "0123" },
      context: {
        framework_name: "ct-gbdt",
        framework_versions: { "ct-gbdt": "0.1.0" },
        bentoml_version: "1.4.38",
        python_version: "3.11.2",
      },
      signatures: { predict: { batchable: false }, predict_proba: { batchable: true, batch_dim: [0, 0] } },
      api_version: "v1",
      creation_time: "2025-02-14T01:02:03.456000+00:00",
    });
  });

  it("fills in defaults: generated version, api_version v1, empty mappings, creation time from now()", async () => {
    const saved = await saveModel(
      root,
      {
        name: "m",
        module: "",
        context: { frameworkName: "ct-gbdt", frameworkVersions: {} },
        files: {},
      },
      {
        now: () => new Date("2025-11-20T10:00:00.123Z"),
        randomBytes: () => Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc]),
      },
    );
    expect(saved.version).toBe("vuusnzgf66lhrg54");
    const yaml = bentomlModelsGet(root, "m").yaml;
    expect(yaml).toEqual({
      name: "m",
      version: "vuusnzgf66lhrg54",
      module: "",
      labels: {},
      options: {},
      metadata: {},
      context: { framework_name: "ct-gbdt", framework_versions: {} },
      signatures: {},
      api_version: "v1",
      creation_time: "2025-11-20T10:00:00.123000+00:00",
    });
  });

  it.each([
    ["Credit", "upper-case"],
    ["a".repeat(64), "at most 63"],
    ["credit score", '" "'],
    ["../x", '"/"'],
    ["x/../../etc", '"/"'],
    ["-x", "start and end"],
  ])("rejects the name %j before touching the store", async (name, rule) => {
    const error = await saveModel(root, gbdtInput({ name })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelStoreValidationError);
    expect((error as Error).message).toContain(JSON.stringify(name));
    expect((error as Error).message).toContain(rule);
    await expect(stat(join(root, "models"))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(root, ".ct-model-store"))).rejects.toThrow(/ENOENT/);
  });

  it.each([
    ["../escape.txt", "'.' and '..'"],
    ["/abs.txt", "relative"],
    ["dir\\file.txt", "backslashes"],
    ["model.yaml", "reserved"],
  ])("rejects the file path %j before touching the store", async (path, rule) => {
    await expect(saveModel(root, gbdtInput({ files: { [path]: "x" } }))).rejects.toThrow(rule);
    await expect(stat(join(root, "models"))).rejects.toThrow(/ENOENT/);
  });

  it("rejects metadata with NaN (and Infinity, undefined) before touching the store", async () => {
    await expect(saveModel(root, gbdtInput({ metadata: { auc: Number.NaN } }))).rejects.toThrow(
      new ModelStoreValidationError(
        "metadata.auc is NaN: model.yaml values must be finite numbers (store NaN/Infinity as a string or null)",
      ),
    );
    await expect(
      saveModel(root, gbdtInput({ metadata: { loss: [1, Number.POSITIVE_INFINITY] } })),
    ).rejects.toThrow("metadata.loss[1] is Infinity");
    await expect(saveModel(root, gbdtInput({ metadata: { x: undefined } }))).rejects.toThrow(
      "metadata.x is undefined",
    );
    await expect(stat(join(root, "models"))).rejects.toThrow(/ENOENT/);
  });

  it("rejects bad versions and creation times", async () => {
    await expect(saveModel(root, gbdtInput({ version: "latest" }))).rejects.toThrow(/reserved/);
    await expect(saveModel(root, gbdtInput({ version: "V2" }))).rejects.toThrow(/upper-case/);
    await expect(saveModel(root, gbdtInput({ creationTime: new Date(Number.NaN) }))).rejects.toThrow(
      /creationTime/,
    );
  });

  it("never overwrites an existing version", async () => {
    await saveModel(root, gbdtInput({ version: "v1" }));
    const error = await saveModel(root, gbdtInput({ version: "v1", metadata: { auc: 0.5 } })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ModelExistsError);
    expect((error as Error).message).toContain(`${NAME}:v1 already exists`);
    expect((await getModel(root, `${NAME}:v1`)).metadata.auc).toBe(0.87);
    expect(await scratchEntries(root)).toEqual([]);
  });

  it("moves latest to each new version unless setLatest is false", async () => {
    await saveModel(root, gbdtInput({ version: "v1" }));
    expect(await readLatestPointer(root, NAME)).toBe("v1");
    await saveModel(root, gbdtInput({ version: "v2" }));
    expect(await readLatestPointer(root, NAME)).toBe("v2");
    await saveModel(root, gbdtInput({ version: "v3", setLatest: false }));
    expect(await readLatestPointer(root, NAME)).toBe("v2");
    expect(checkStore(root).latest).toEqual({ [NAME]: `${NAME}:v2` });
    expect((await getModel(root, `${NAME}:latest`)).version).toBe("v2");
  });

  it("saves concurrently: every version lands complete, latest names one of them", async () => {
    const versions = ["c1", "c2", "c3", "c4", "c5", "c6"];
    const saved = await Promise.all(
      versions.map((version, index) =>
        saveModel(
          root,
          gbdtInput({
            version,
            creationTime: new Date(Date.UTC(2025, 1, 14, 0, 0, index)),
            files: { "model.json": `{"v":"${version}"}`, "big.bin": new Uint8Array(256 * 1024).fill(index) },
          }),
        ),
      ),
    );
    expect(saved.map((model) => model.version)).toEqual(versions);
    const { models, latest } = checkStore(root);
    expect(models.map((model) => model.tag).sort()).toEqual(versions.map((version) => `${NAME}:${version}`));
    expect(versions.map((version) => `${NAME}:${version}`)).toContain(latest[NAME]);
    for (const version of versions) {
      expect(await readFile(join(root, "models", NAME, version, "model.json"), "utf8")).toBe(
        `{"v":"${version}"}`,
      );
    }
    expect(await scratchEntries(root)).toEqual([]);
  });

  it("saves the same version concurrently: exactly one wins, the other gets ModelExistsError", async () => {
    const results = await Promise.allSettled(
      ["first", "second", "third"].map((label) =>
        saveModel(root, gbdtInput({ version: "same", metadata: { label }, files: { "who.txt": label } })),
      ),
    );
    const won = results.filter((result) => result.status === "fulfilled");
    const lost = results.filter((result) => result.status === "rejected");
    expect(won).toHaveLength(1);
    for (const result of lost)
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ModelExistsError);
    const model = bentomlModelsGet(root, `${NAME}:same`);
    const label = (model.yaml.metadata as { label: string }).label;
    expect(await readFile(join(model.path, "who.txt"), "utf8")).toBe(label);
    expect(await scratchEntries(root)).toEqual([]);
  });

  it("saves two model names concurrently", async () => {
    await Promise.all([
      saveModel(root, gbdtInput({ name: "a", version: "v1" })),
      saveModel(root, gbdtInput({ name: "b", version: "v1" })),
    ]);
    expect(checkStore(root).latest).toEqual({ a: "a:v1", b: "b:v1" });
  });
});

describe("getModel / latestVersion / setLatest", () => {
  beforeEach(async () => {
    await saveModel(root, gbdtInput({ version: "abc1", creationTime: new Date("2025-01-01T00:00:00Z") }));
    await saveModel(root, gbdtInput({ version: "abd2", creationTime: new Date("2025-01-02T00:00:00Z") }));
  });

  it("reads name, name:latest, name:version and a unique prefix", async () => {
    expect((await getModel(root, NAME)).version).toBe("abd2");
    expect((await getModel(root, `${NAME}:latest`)).version).toBe("abd2");
    expect((await getModel(root, `${NAME}:abc1`)).version).toBe("abc1");
    expect((await getModel(root, `${NAME}:abc`)).version).toBe("abc1");
    await expect(getModel(root, `${NAME}:ab`)).rejects.toThrow(/ambiguous: it matches versions abc1, abd2/);
  });

  it("throws typed errors for missing and malformed tags", async () => {
    await expect(getModel(root, "nope")).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(getModel(root, `${NAME}:zzz`)).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(getModel(root, "Bad:v1")).rejects.toBeInstanceOf(ModelStoreValidationError);
    await expect(getModel(root, `${NAME}:`)).rejects.toThrow(/trailing ':'/);
    const notFound = await getModel(root, "nope").catch((caught: unknown) => caught);
    expect((notFound as ModelNotFoundError).exitCode).toBe(3);
  });

  it("throws CorruptModelError for a version BentoML could not load", async () => {
    await writeFile(join(root, "models", NAME, "abc1", "model.yaml"), 'name: "x"\n');
    const error = await getModel(root, `${NAME}:abc1`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CorruptModelError);
    expect((error as CorruptModelError).path).toBe(join(root, "models", NAME, "abc1", "model.yaml"));
    expect((error as Error).message).toMatch(/lacks the required key version/);
  });

  it("setLatest re-points latest atomically and only at existing, readable versions", async () => {
    await setLatest(root, NAME, "abc1");
    expect(await readFile(join(root, "models", NAME, "latest"), "utf8")).toBe("abc1");
    expect(bentomlModelsGet(root, NAME).tag).toBe(`${NAME}:abc1`);
    expect(await latestVersion(root, NAME)).toBe("abc1");
    await expect(setLatest(root, NAME, "zzz")).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(setLatest(root, NAME, "Zzz")).rejects.toBeInstanceOf(ModelStoreValidationError);
    expect(await readLatestPointer(root, NAME)).toBe("abc1");
    expect(await scratchEntries(root)).toEqual([]);
  });

  it("latestVersion falls back to the newest creation_time when latest is missing or dangling (BentoML's rule)", async () => {
    expect(await latestVersion(root, "nope")).toBeUndefined();
    await writeFile(join(root, "models", NAME, "latest"), "gone");
    expect(await latestVersion(root, NAME)).toBe("abd2");
    await setLatest(root, NAME, "abc1");
    expect(await latestVersion(root, NAME)).toBe("abc1");
  });
});

describe("listModels", () => {
  it("skips and reports corrupt sibling entries that would break `bentoml models list`", async () => {
    await saveModel(root, gbdtInput({ version: "v1", creationTime: new Date("2025-01-01T00:00:00Z") }));
    await saveModel(
      root,
      gbdtInput({ name: "other", version: "v9", creationTime: new Date("2025-03-01T00:00:00Z") }),
    );
    const models = join(root, "models");
    // A version folder without model.yaml, an upper-case model folder, a naive creation_time,
    // a model.yaml naming another tag, and a loose file (which BentoML ignores).
    await mkdir(join(models, NAME, "half-written"), { recursive: true });
    await mkdir(join(models, "Upper", "v1"), { recursive: true });
    await mkdir(join(models, "naive", "v1"), { recursive: true });
    const naiveYaml = (await readFile(join(models, NAME, "v1", "model.yaml"), "utf8"))
      .replace(`name: "${NAME}"`, 'name: "naive"')
      .replace(/creation_time: .*/, 'creation_time: "2025-01-01T00:00:00"');
    await writeFile(join(models, "naive", "v1", "model.yaml"), naiveYaml);
    await mkdir(join(models, "moved", "v1"), { recursive: true });
    await writeFile(
      join(models, "moved", "v1", "model.yaml"),
      naiveYaml.replace(/creation_time: .*/, 'creation_time: "2025-01-01T00:00:00+00:00"'),
    );
    await writeFile(join(models, "README.txt"), "loose files are ignored");

    // BentoML itself would refuse to list anything.
    expect(() => bentomlModelsList(root)).toThrow(BentomlReadError);

    const problems: StoreProblem[] = [];
    const listed = await listModels(root, { onProblem: (problem) => problems.push(problem) });
    expect(listed.map((model) => model.tag)).toEqual(["other:v9", `${NAME}:v1`]);
    expect(problems.map((problem) => [problem.path, problem.breaksBentomlList])).toEqual([
      [join(models, "Upper"), true],
      [join(models, NAME, "half-written"), true],
      [join(models, "moved", "v1", "model.yaml"), true],
      [join(models, "naive", "v1", "model.yaml"), true],
    ]);
    expect(problems[0]?.reason).toMatch(/"Upper" is not a valid BentoML tag: it contains upper-case letters/);
    expect(problems[1]?.reason).toBe("it has no model.yaml");
    expect(problems[2]?.reason).toMatch(/names naive:v1 but lives in moved:v1/);
    expect(problems[3]?.reason).toMatch(/no UTC offset/);
  });

  it("reports a dangling latest without skipping the model, and returns [] for an empty store", async () => {
    expect(await listModels(root, { onProblem: () => expect.unreachable() })).toEqual([]);
    await saveModel(root, gbdtInput({ version: "v1" }));
    await writeFile(join(root, "models", NAME, "latest"), "v0");
    const { models, problems } = await scanModels(root);
    expect(models.map((model) => model.tag)).toEqual([`${NAME}:v1`]);
    expect(problems).toEqual([
      {
        path: join(root, "models", NAME, "latest"),
        name: NAME,
        version: "v0",
        reason: 'latest names "v0", which is not a version folder; BentoML will rewrite it on get()',
        breaksBentomlList: false,
      },
    ]);
  });
});

describe("deleteModel", () => {
  it("re-points latest at the newest remaining version, then removes the last one entirely", async () => {
    await saveModel(root, gbdtInput({ version: "v1", creationTime: new Date("2025-01-01T00:00:00Z") }));
    await saveModel(root, gbdtInput({ version: "v3", creationTime: new Date("2025-01-03T00:00:00Z") }));
    await saveModel(root, gbdtInput({ version: "v2", creationTime: new Date("2025-01-02T00:00:00Z") }));
    expect(await deleteModel(root, NAME)).toEqual({ tag: `${NAME}:v2`, latest: "v3" });
    expect(checkStore(root).latest).toEqual({ [NAME]: `${NAME}:v3` });
    expect(await deleteModel(root, `${NAME}:v1`)).toEqual({ tag: `${NAME}:v1`, latest: "v3" });
    expect(await deleteModel(root, `${NAME}:v3`)).toEqual({ tag: `${NAME}:v3`, latest: undefined });
    await expect(stat(join(root, "models", NAME))).rejects.toThrow(/ENOENT/);
    expect(checkStore(root).models).toEqual([]);
    expect(await scratchEntries(root)).toEqual([]);
    await expect(deleteModel(root, `${NAME}:v3`)).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it("deletes a corrupt version, repairing the store for BentoML", async () => {
    await saveModel(root, gbdtInput({ version: "v1" }));
    await mkdir(join(root, "models", NAME, "broken"));
    expect(() => bentomlModelsList(root)).toThrow(BentomlReadError);
    await deleteModel(root, `${NAME}:broken`);
    expect(checkStore(root).latest).toEqual({ [NAME]: `${NAME}:v1` });
  });
});

describe("removeStaleTemporaries", () => {
  it("removes scratch entries older than the threshold only", async () => {
    const scratch = join(root, ".ct-model-store", "tmp");
    await mkdir(join(scratch, "save-old"), { recursive: true });
    await mkdir(join(scratch, "save-new"), { recursive: true });
    const old = new Date("2020-01-01T00:00:00Z");
    await utimes(join(scratch, "save-old"), old, old);
    expect(await removeStaleTemporaries(root)).toEqual([join(scratch, "save-old")]);
    expect(await scratchEntries(root)).toEqual(["save-new"]);
    expect(await removeStaleTemporaries(join(root, "nowhere"))).toEqual([]);
  });
});

describe("errors", () => {
  it("are CtErrors with exit codes", () => {
    expect(new ModelStoreError("x").exitCode).toBe(1);
    expect(new ModelStoreValidationError("x").exitCode).toBe(1);
    expect(new ModelNotFoundError("x").exitCode).toBe(3);
    expect(new CorruptModelError("/p", "why").message).toBe("corrupt model store entry /p: why");
  });
});
