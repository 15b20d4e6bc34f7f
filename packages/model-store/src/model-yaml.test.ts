import { describe, expect, it } from "vitest";
import { ModelStoreValidationError } from "./errors.ts";
import {
  buildModelYaml,
  formatCreationTime,
  type ModelYamlFields,
  ModelYamlProblem,
  normalizeSignatures,
  parseCreationTime,
  parseModelYaml,
  toYamlData,
} from "./model-yaml.ts";

const fields: ModelYamlFields = {
  name: "churn-catboost",
  version: "1.0",
  module: "bentoml.catboost",
  labels: { owner: "mlops-ts", stage: "yes" },
  options: { training_class_name: "CatBoostClassifier" },
  metadata: {
    auc: 0.87,
    rows: 9000,
    tiny: 1e-7,
    base_dt: "2025-02-14",
    classes: ["Good", "Poor"],
    nested: { ok: true },
  },
  context: {
    frameworkName: "catboost",
    frameworkVersions: { catboost: "1.2.7" },
    bentomlVersion: "1.4.38",
    pythonVersion: "3.11.2",
  },
  signatures: { predict: { batchable: false }, predict_proba: { batchable: true, batch_dim: 0 } },
  apiVersion: "v1",
  creationTime: new Date("2025-11-20T10:00:00.123Z"),
};

describe("buildModelYaml", () => {
  it("writes BentoML's keys in ModelInfo.dump order, every string quoted", () => {
    expect(buildModelYaml(fields)).toBe(
      [
        'name: "churn-catboost"',
        'version: "1.0"',
        'module: "bentoml.catboost"',
        "labels:",
        '  owner: "mlops-ts"',
        '  stage: "yes"',
        "options:",
        '  training_class_name: "CatBoostClassifier"',
        "metadata:",
        "  auc: 0.87",
        "  rows: 9000",
        "  tiny: 1.0e-7",
        '  base_dt: "2025-02-14"',
        "  classes:",
        '    - "Good"',
        '    - "Poor"',
        "  nested:",
        "    ok: true",
        "context:",
        '  framework_name: "catboost"',
        "  framework_versions:",
        '    catboost: "1.2.7"',
        '  bentoml_version: "1.4.38"',
        '  python_version: "3.11.2"',
        "signatures:",
        "  predict:",
        "    batchable: false",
        "  predict_proba:",
        "    batchable: true",
        "    batch_dim:",
        "      - 0",
        "      - 0",
        'api_version: "v1"',
        'creation_time: "2025-11-20T10:00:00.123000+00:00"',
        "",
      ].join("\n"),
    );
  });

  it("writes empty labels/options/metadata/signatures as {} and omits absent context versions", () => {
    const text = buildModelYaml({
      name: "m",
      version: "v1",
      module: "",
      context: { frameworkName: "ct-gbdt", frameworkVersions: {} },
      apiVersion: "v1",
      creationTime: new Date("2025-01-01T00:00:00Z"),
    });
    expect(text).toContain('module: ""\nlabels: {}\noptions: {}\nmetadata: {}\n');
    expect(text).toContain(
      'context:\n  framework_name: "ct-gbdt"\n  framework_versions: {}\nsignatures: {}\n',
    );
    expect(text).not.toContain("bentoml_version");
  });

  it("round-trips through parseModelYaml", () => {
    const info = parseModelYaml(buildModelYaml(fields));
    expect(info).toMatchObject({
      name: "churn-catboost",
      version: "1.0",
      module: "bentoml.catboost",
      labels: fields.labels,
      options: fields.options,
      metadata: fields.metadata,
      context: fields.context,
      signatures: { predict: { batchable: false }, predict_proba: { batchable: true, batch_dim: [0, 0] } },
      apiVersion: "v1",
      creationTimeText: "2025-11-20T10:00:00.123000+00:00",
    });
    expect(info.creationTime.toISOString()).toBe("2025-11-20T10:00:00.123Z");
  });

  it.each([
    [{ auc: Number.NaN }, "metadata.auc is NaN"],
    [{ scores: [1, Number.POSITIVE_INFINITY] }, "metadata.scores[1] is Infinity"],
    [{ x: { y: Number.NEGATIVE_INFINITY } }, "metadata.x.y is -Infinity"],
    [{ missing: undefined }, "metadata.missing is undefined"],
    [{ when: new Date(0) }, "metadata.when is a Date object"],
    [{ big: 10n }, "metadata.big is 10n (a bigint)"],
    [{ f: () => 1 }, "metadata.f is a function"],
    [{ m: new Map() }, "metadata.m is a Map object"],
  ])("rejects metadata %o with a clear error", (metadata, message) => {
    expect(() => buildModelYaml({ ...fields, metadata })).toThrow(ModelStoreValidationError);
    expect(() => buildModelYaml({ ...fields, metadata })).toThrow(message);
  });

  it("rejects NaN in options, cycles, and non-string labels / context values", () => {
    expect(() => buildModelYaml({ ...fields, options: { lr: Number.NaN } })).toThrow("options.lr is NaN");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => buildModelYaml({ ...fields, metadata: cyclic })).toThrow(
      "metadata.self refers back to itself",
    );
    const labels = { owner: 1 } as unknown as Record<string, string>;
    expect(() => buildModelYaml({ ...fields, labels })).toThrow("labels.owner is 1: expected a string");
    const frameworkVersions = { catboost: 1.2 } as unknown as Record<string, string>;
    expect(() =>
      buildModelYaml({ ...fields, context: { frameworkName: "catboost", frameworkVersions } }),
    ).toThrow("context.frameworkVersions.catboost");
  });

  it("accepts shared (non-cyclic) references", () => {
    const shared = { a: 1 };
    expect(toYamlData({ x: shared, y: shared }, "metadata")).toEqual({ x: { a: 1 }, y: { a: 1 } });
  });
});

describe("signatures", () => {
  it("normalizes batch_dim like ModelSignature.from_dict and drops it when not batchable", () => {
    expect(
      normalizeSignatures({
        a: { batchable: true },
        b: { batchable: true, batch_dim: 1 },
        c: { batchable: true, batch_dim: [1, 0] },
        d: { batchable: false, batch_dim: 1 },
      }),
    ).toEqual({
      a: { batchable: true, batch_dim: [0, 0] },
      b: { batchable: true, batch_dim: [1, 1] },
      c: { batchable: true, batch_dim: [1, 0] },
      d: { batchable: false },
    });
    expect(() => normalizeSignatures({ a: { batchable: true, batch_dim: 0.5 } })).toThrow(/batch_dim/);
  });
});

describe("creation_time", () => {
  it("is Python's isoformat() of a UTC datetime: microseconds and +00:00", () => {
    expect(formatCreationTime(new Date("2025-02-14T23:59:59.007Z"))).toBe("2025-02-14T23:59:59.007000+00:00");
    expect(formatCreationTime(new Date("0999-01-01T00:00:00Z"))).toBe("0999-01-01T00:00:00.000000+00:00");
    expect(() => formatCreationTime(new Date(Number.NaN))).toThrow(ModelStoreValidationError);
  });

  it("parses tz-aware ISO times and refuses naive ones", () => {
    expect((parseCreationTime("2025-11-20T19:00:00.123456+09:00") as Date).toISOString()).toBe(
      "2025-11-20T10:00:00.123Z",
    );
    expect((parseCreationTime("2025-11-20 10:00:00Z") as Date).toISOString()).toBe(
      "2025-11-20T10:00:00.000Z",
    );
    expect(parseCreationTime("2025-11-20T10:00:00")).toMatch(/no UTC offset/);
    expect(parseCreationTime("1763546400")).toMatch(/not an ISO date-time/);
    expect(parseCreationTime("2025-02-30T10:00:00+00:00")).toMatch(/not a real date-time/);
  });
});

describe("parseModelYaml", () => {
  const good = buildModelYaml(fields);

  it.each([
    "name",
    "version",
    "module",
    "labels",
    "options",
    "metadata",
    "context",
    "api_version",
    "creation_time",
  ])("refuses a model.yaml without %s", (key) => {
    // drop the key and its indented block
    const lines = good.split("\n");
    const from = lines.findIndex((line) => line.startsWith(`${key}:`));
    const to = lines.findIndex((line, index) => index > from && /^\S/.test(line));
    const text = [...lines.slice(0, from), ...lines.slice(to)].join("\n");
    expect(() => parseModelYaml(text)).toThrow(
      new ModelYamlProblem(`model.yaml lacks the required key ${key}`),
    );
  });

  it("accepts a model.yaml without signatures, and ignores unknown keys", () => {
    const text = good.replace(/signatures:\n( {2}.*\n)+/, "").concat('extra: "ignored"\n');
    expect(parseModelYaml(text).signatures).toEqual({});
  });

  it("reads unquoted values as PyYAML does and rejects the resulting wrong types", () => {
    expect(() => parseModelYaml(good.replace('version: "1.0"', "version: 1.0"))).toThrow(
      "version must be a string, found 1",
    );
    expect(() => parseModelYaml(good.replace('stage: "yes"', "stage: yes"))).toThrow(
      "labels.stage must be a string, found boolean",
    );
    expect(() =>
      parseModelYaml(good.replace(/creation_time: .*/, "creation_time: 2025-11-20 10:00:00")),
    ).toThrow("no UTC offset");
    expect(() => parseModelYaml(good.replace('name: "churn-catboost"', 'name: "Churn"'))).toThrow(
      "upper-case",
    );
    expect(() => parseModelYaml("- a\n- b\n")).toThrow("model.yaml must be a mapping");
    expect(() => parseModelYaml("a: [\n")).toThrow("not valid YAML");
  });
});
