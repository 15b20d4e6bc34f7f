import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeCatboost, writeFakeCatboost } from "../test-support/fake-catboost.ts";
import { calcProbabilities, scoreWithCatboost } from "./calc.ts";
import { parseErrorFile } from "./error-log.ts";
import { CatboostRunError, PoolFormatError } from "./errors.ts";
import { classOrder, type LabelledPoolData, trainWithCatboost } from "./train.ts";

let root: string;
let fake: FakeCatboost;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ct-catboost-train-"));
  fake = await writeFakeCatboost(join(root, "fake"));
});
beforeEach(async () => {
  await fake.configure({});
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const CLASSES = ["Good", "Poor", "Standard"];
const OCCUPATIONS = ["Scientist", "", "Media\tManager", 'Lawyer "senior"', "_______"];
const LOANS = [
  "Auto Loan, Credit-Builder Loan",
  "Not Specified",
  "Home Equity Loan\nand Mortgage",
  "",
  'Payday "Loan"\tx',
];

/** A small credit-score-like frame with every awkward value a pool cell can hold. */
function frame(rows: number, offset: number, withText = true): LabelledPoolData {
  const index = Array.from({ length: rows }, (_, i) => i + offset);
  return {
    numeric: {
      age: Float64Array.from(index, (i) => (i % 7 === 0 ? Number.NaN : 18 + (i % 50))),
      outstanding_debt: Float64Array.from(index, (i) => (i % 3) * 0.1 - 0.05),
    },
    categorical: { occupation: index.map((i) => OCCUPATIONS[i % OCCUPATIONS.length] as string) },
    text: withText ? { type_of_loan: index.map((i) => LOANS[i % LOANS.length] as string) } : {},
    labels: index.map((i) => CLASSES[i % 3] as string),
  };
}

const REFERENCE = {
  loss_function: "MultiClassOneVsAll",
  learning_rate: 0.3,
  iterations: 2000,
  early_stopping_rounds: 50,
  random_seed: 42,
  custom_metric: ["F1", "Accuracy"],
  depth: 8,
  rsm: 0.9,
  l2_leaf_reg: 5,
  verbose: 50,
  text_processing: {
    tokenizers: [{ tokenizer_id: "Space", delimiter: " " }],
    dictionaries: [{ dictionary_id: "Word", occurence_lower_bound: "1" }],
  },
};

describe("trainWithCatboost (a fake catboost process that reads pools like CatBoost and writes its documented outputs)", () => {
  it("writes the pools, runs fit and reads back the metrics, best iteration, model and importances", async () => {
    await fake.configure({ bestIteration: 7 });
    const workDir = join(root, "config-1");
    const lines: string[] = [];
    const result = await trainWithCatboost(fake.binary, {
      learn: frame(60, 0),
      eval: frame(30, 1000),
      params: REFERENCE,
      workDir,
      labelName: "credit_score",
      onLine: (line) => lines.push(line),
    });
    // the fake parsed both pools with CatBoost's quoting and missing-value rules, or it would have failed
    const [call] = (await fake.calls()).slice(-1);
    expect(call).toEqual(result.args);
    expect(result.args).toEqual(
      expect.arrayContaining([
        "--learn-set",
        join(workDir, "learn.tsv"),
        "--test-set",
        join(workDir, "eval.tsv"),
      ]),
    );
    expect(result.args).toEqual(
      expect.arrayContaining(["--column-description", join(workDir, "learn.cd"), "--od-wait", "50"]),
    );
    expect(result.args).not.toContain("--model-format"); // text features: cbm only

    expect(result.classes).toEqual(CLASSES);
    expect(result.bestIteration).toBe(7);
    expect(result.evalMetric).toBe("MultiClassOneVsAll");
    expect(result.iterationsTrained).toBe(7 + 50 + 1);
    const names = ["MultiClassOneVsAll", "F1:class=0", "F1:class=1", "F1:class=2", "Accuracy"];
    expect(Object.keys(result.learnMetrics)).toEqual(names);
    expect(Object.keys(result.evalMetrics)).toEqual(names);
    expect(result.evalMetrics.MultiClassOneVsAll).toHaveLength(58);
    expect(result.evalMetrics).toEqual(
      parseErrorFile(await readFile(join(workDir, "train", "test_error.tsv"), "utf8")).metrics,
    );
    expect(result.modelCbm).toBe(join(workDir, "train", "model.bin"));
    await access(result.modelCbm);
    expect(result.modelJson).toBeUndefined();
    expect(Object.keys(result.featureImportance ?? {})).toEqual([
      "age",
      "outstanding_debt",
      "occupation",
      "type_of_loan",
    ]);
    expect(lines).toContain("bestIteration = 7");
    expect(lines).toContain("Shrink model to first 8 iterations.");
  });

  it("exports the model as JSON when there are no text features (-m model.bin --model-format Json → model.bin.json)", async () => {
    await fake.configure({ bestIteration: 2 });
    const { text_processing: _unused, ...params } = REFERENCE;
    const result = await trainWithCatboost(fake.binary, {
      learn: frame(40, 0, false),
      eval: frame(20, 500, false),
      params,
      workDir: join(root, "config-json"),
    });
    expect(result.args.slice(result.args.indexOf("-m"), result.args.indexOf("-m") + 4)).toEqual([
      "-m",
      join(root, "config-json", "train", "model.bin"),
      "--model-format",
      "Json",
    ]);
    const json = result.modelJson as { oblivious_trees: unknown[]; model_info: unknown };
    expect(json.oblivious_trees).toHaveLength(3);
    expect(json.model_info).toBeDefined();
    await access(join(root, "config-json", "train", "model.bin.json"));
  });

  it("fails with catboost's own one-line message when asked for JSON of a text model", async () => {
    const error = await trainWithCatboost(fake.binary, {
      learn: frame(30, 0),
      eval: frame(15, 100),
      params: REFERENCE,
      workDir: join(root, "config-text-json"),
      exportJson: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatboostRunError);
    expect((error as Error).message).toMatch(
      /^catboost fit failed \(exit 1\): .*Can save model with text features only in cbm format$/,
    );
  });

  it("takes the best iteration from test_error.tsv when catboost prints none", async () => {
    await fake.configure({ bestIteration: 5, printSummary: false });
    const result = await trainWithCatboost(fake.binary, {
      learn: frame(30, 0),
      eval: frame(15, 100),
      params: { ...REFERENCE, early_stopping_rounds: 10 },
      workDir: join(root, "config-no-summary"),
      featureImportance: false,
    });
    expect(result.bestIteration).toBe(5);
    expect(result.iterationsTrained).toBe(16);
    expect(result.featureImportance).toBeUndefined();
    expect(result.args).not.toContain("--fstr-file");
  });

  it("refuses an eval set with other columns than the learn set, and a bad parameter before running anything", async () => {
    const learn = frame(20, 0);
    const other = { ...frame(10, 0), numeric: { age: Float64Array.from({ length: 10 }, () => 1) } };
    await expect(
      trainWithCatboost(fake.binary, {
        learn,
        eval: other,
        params: REFERENCE,
        workDir: join(root, "config-bad"),
      }),
    ).rejects.toBeInstanceOf(PoolFormatError);
    const before = (await fake.calls()).length;
    await expect(
      trainWithCatboost(fake.binary, {
        learn,
        eval: frame(10, 50),
        params: { depht: 3 },
        workDir: join(root, "config-bad2"),
      }),
    ).rejects.toThrow(/unknown catboost parameter "depht"/);
    expect((await fake.calls()).length).toBe(before);
  });

  it("scores rows with catboost calc, in the trained class order or the one asked for", async () => {
    const workDir = join(root, "config-calc");
    const trained = await trainWithCatboost(fake.binary, {
      learn: frame(30, 0),
      eval: frame(15, 100),
      params: REFERENCE,
      workDir,
    });
    const { labels: _labels, ...rows } = frame(12, 300);
    const scored = await scoreWithCatboost(fake.binary, {
      modelFile: trained.modelCbm,
      data: rows,
      classes: undefined,
      workDir: join(workDir, "calc"),
    });
    expect(scored.classes).toEqual(trained.classes);
    expect(scored.rows).toBe(12);
    expect(scored.probabilities).toHaveLength(36);
    const calcCall = (await fake.calls()).at(-1) as string[];
    expect(calcCall.slice(0, 3)).toEqual(["calc", "-m", trained.modelCbm]);
    expect(await readFile(join(workDir, "calc", "calc.cd"), "utf8")).toBe(
      "0\tNum\tage\n1\tNum\toutstanding_debt\n2\tCateg\toccupation\n3\tText\ttype_of_loan\n",
    );
    const reordered = await calcProbabilities(fake.binary, {
      modelFile: trained.modelCbm,
      data: rows,
      classes: ["Standard", "Good", "Poor"],
      workDir: join(workDir, "calc2"),
    });
    expect(reordered[0]).toBe(scored.probabilities[2]);
    expect(reordered[1]).toBe(scored.probabilities[0]);
    expect(reordered[2]).toBe(scored.probabilities[1]);
  });
});

describe("classOrder", () => {
  it("sorts string labels byte-wise and numeric labels numerically, unless class_names says otherwise", () => {
    expect(classOrder(["Standard", "Good", "Poor", "Good"])).toEqual(["Good", "Poor", "Standard"]);
    expect(classOrder(["b", "B", "a"])).toEqual(["B", "a", "b"]);
    expect(classOrder(["10", "9", "1"])).toEqual(["1", "9", "10"]);
    expect(classOrder(["a", "b"], ["b", "a"])).toEqual(["b", "a"]);
  });
});
