import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calcProbabilities } from "./calc.ts";
import { bestIterationOf, parseErrorFile } from "./error-log.ts";
import { catboostVersion, findCatboost } from "./find.ts";
import { type LabelledPoolData, trainWithCatboost } from "./train.ts";

/** The real binary: CATBOOST_BIN, else `catboost` on PATH. None can be installed on the project's machines. */
const binary = findCatboost({ catboostBin: process.env.CATBOOST_BIN, path: process.env.PATH });
const SKIP_REASON = "catboost binary not found (set CATBOOST_BIN)";
const title = (name: string) => (binary ? name : `${name} — skipped: ${SKIP_REASON}`);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ct-catboost-real-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const CLASSES = ["Good", "Poor", "Standard"];
const JOBS = ["Scientist", "Teacher", "Engineer", "Media_Manager", "Lawyer", "_______"];
const LOANS = ["Auto Loan", "Credit-Builder Loan", "Home Equity Loan", "Payday Loan", "Not Specified"];

/** Deterministic synthetic rows whose class depends on a numeric, a categorical and a text feature. */
function synthetic(rows: number, seed: number, withText: boolean): LabelledPoolData {
  let state = seed >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const debt = new Float64Array(rows);
  const age = new Float64Array(rows);
  const occupation: string[] = [];
  const loans: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < rows; i++) {
    const d = random() * 3;
    const job = Math.floor(random() * JOBS.length);
    const loan = Math.floor(random() * LOANS.length);
    debt[i] = d;
    age[i] = random() < 0.05 ? Number.NaN : 18 + Math.floor(random() * 50);
    occupation.push(JOBS[job] as string);
    loans.push(`${LOANS[loan]}, and ${LOANS[(loan + 1) % LOANS.length]}`);
    const score = d + (job % 3 === 0 ? 0.7 : 0) + (withText && loan === 3 ? 0.8 : 0) + (random() - 0.5) * 0.6;
    labels.push(CLASSES[score < 1.2 ? 0 : score < 2.2 ? 2 : 1] as string);
  }
  return {
    numeric: { outstanding_debt: debt, age },
    categorical: { occupation },
    text: withText ? { type_of_loan: loans } : {},
    labels,
  };
}

const REFERENCE = {
  loss_function: "MultiClassOneVsAll",
  learning_rate: 0.3,
  iterations: 300,
  early_stopping_rounds: 20,
  random_seed: 42,
  custom_metric: ["F1", "Accuracy"],
  depth: 4,
  rsm: 0.9,
  l2_leaf_reg: 5,
  thread_count: 2,
  verbose: 50,
  text_processing: {
    tokenizers: [
      { tokenizer_id: "Space", delimiter: " " },
      { tokenizer_id: "Comma", delimiter: "," },
      { tokenizer_id: "Underscore", delimiter: "_" },
    ],
    dictionaries: [
      { dictionary_id: "BiGram", occurence_lower_bound: "1" },
      { dictionary_id: "Word", occurence_lower_bound: "1" },
    ],
  },
};

describe("the real catboost binary", () => {
  it.skipIf(!binary)(
    title("trains the reference configuration, with outputs consistent between console, error logs and calc"),
    async () => {
      const bin = binary as string;
      expect(catboostVersion(bin)).toBeDefined();
      const workDir = join(root, "text");
      const evalSet = synthetic(400, 7, true);
      const result = await trainWithCatboost(bin, {
        learn: synthetic(1200, 1, true),
        eval: evalSet,
        params: REFERENCE,
        workDir,
      });

      expect(result.classes).toEqual(CLASSES);
      for (const metric of ["MultiClassOneVsAll", "F1:class=0", "F1:class=1", "F1:class=2", "Accuracy"])
        expect(Object.keys(result.evalMetrics)).toContain(metric);
      // console `bestIteration = b` agrees with the first strict minimum of test_error.tsv
      const testLog = parseErrorFile(await readFile(join(workDir, "train", "test_error.tsv"), "utf8"));
      expect(bestIterationOf(testLog, "MultiClassOneVsAll").iteration).toBe(result.bestIteration);
      // the Iter detector stops od_wait (+1 on old versions) iterations after the best, or at `iterations`
      expect(
        result.iterationsTrained === 300 || result.iterationsTrained - result.bestIteration - 1 >= 20,
      ).toBe(true);
      expect(result.iterationsTrained - result.bestIteration - 1).toBeLessThanOrEqual(21);
      await access(result.modelCbm);
      expect(result.modelJson).toBeUndefined(); // text features: cbm only

      // the kept model (bestIteration + 1 trees) scores the eval set with the logged Accuracy
      const { labels, ...features } = evalSet;
      const probabilities = await calcProbabilities(bin, {
        modelFile: result.modelCbm,
        data: features,
        classes: result.classes,
        workDir: join(workDir, "calc"),
      });
      expect(probabilities).toHaveLength(labels.length * 3);
      let correct = 0;
      labels.forEach((label, row) => {
        const p = probabilities.subarray(row * 3, row * 3 + 3);
        for (const value of p) expect(value >= 0 && value <= 1).toBe(true);
        let best = 0;
        for (let k = 1; k < 3; k++) if ((p[k] as number) > (p[best] as number)) best = k;
        if (result.classes[best] === label) correct += 1;
      });
      const loggedAccuracy = result.evalMetrics.Accuracy?.[result.bestIteration] as number;
      expect(correct / labels.length).toBeCloseTo(loggedAccuracy, 6);
      expect(loggedAccuracy).toBeGreaterThan(0.5);
      expect(Object.keys(result.featureImportance ?? {})).toEqual(
        expect.arrayContaining(["outstanding_debt", "occupation", "type_of_loan"]),
      );
    },
    600_000,
  );

  it.skipIf(!binary)(
    title("exports the JSON model (§8) of a model without text features"),
    async () => {
      const { text_processing: _unused, ...params } = REFERENCE;
      const result = await trainWithCatboost(binary as string, {
        learn: synthetic(800, 3, false),
        eval: synthetic(300, 9, false),
        params,
        workDir: join(root, "json"),
      });
      const json = result.modelJson as {
        oblivious_trees: unknown[];
        features_info: { float_features: unknown[] };
      };
      expect(json.oblivious_trees).toHaveLength(result.bestIteration + 1);
      expect(json.features_info.float_features.length).toBeGreaterThanOrEqual(1);
    },
    600_000,
  );
});
