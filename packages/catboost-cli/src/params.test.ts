import { readFileSync } from "node:fs";
import { ExitCode, UsageError } from "@ct/step-kit";
import { describe, expect, it } from "vitest";
import { CatboostParamError } from "./errors.ts";
import { buildFitArgs, FIT_PARAMS, modelFormatOfPath, modelOutputFiles } from "./params.ts";

/** The fit command of the facts sheet (§7.1), verbatim. */
const DOCUMENTED_FIT = String.raw`catboost fit \
  --learn-set train.tsv --test-set val.tsv --column-description data.cd \
  --has-header --delimiter $'\t' \
  --loss-function MultiClassOneVsAll \
  --custom-metric F1,Accuracy \
  --iterations 2000 --learning-rate 0.3 --depth 8 --rsm 0.9 --l2-leaf-reg 5 \
  --random-seed 42 --thread-count -1 \
  --od-type Iter --od-wait 50 --use-best-model true \
  --text-processing '{"tokenizers":[{"tokenizer_id":"Space","separator_type":"ByDelimiter","delimiter":" "},{"tokenizer_id":"Comma","separator_type":"ByDelimiter","delimiter":","},{"tokenizer_id":"Underscore","separator_type":"ByDelimiter","delimiter":"_"}],"dictionaries":[{"dictionary_id":"BiGram","occurence_lower_bound":"1"},{"dictionary_id":"Word","occurence_lower_bound":"1"}]}' \
  --train-dir out/ -m model.bin --verbose 50`;

/** Splits a shell command line as bash would for this subset: `\`-newline, '…', $'…' (\t, \n, \\, \'). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (c === "\\" && command[i + 1] === "\n") {
      i += 1;
      continue;
    }
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      continue;
    }
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      word = (word ?? "") + command.slice(i + 1, end);
      i = end;
    } else if (c === "$" && command[i + 1] === "'") {
      let j = i + 2;
      let text = "";
      while (command[j] !== "'") {
        if (command[j] === "\\") {
          const escaped = command[j + 1] as string;
          text += ({ t: "\t", n: "\n", "\\": "\\", "'": "'" } as Record<string, string>)[escaped] ?? escaped;
          j += 2;
        } else text += command[j++];
      }
      word = (word ?? "") + text;
      i = j;
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

const DOC_PATHS = {
  learn: "train.tsv",
  test: "val.tsv",
  cd: "data.cd",
  trainDir: "out/",
  modelFile: "model.bin",
};

const TEXT_PROCESSING_JSON =
  '{"tokenizers":[{"tokenizer_id":"Space","separator_type":"ByDelimiter","delimiter":" "},{"tokenizer_id":"Comma","separator_type":"ByDelimiter","delimiter":","},{"tokenizer_id":"Underscore","separator_type":"ByDelimiter","delimiter":"_"}],"dictionaries":[{"dictionary_id":"BiGram","occurence_lower_bound":"1"},{"dictionary_id":"Word","occurence_lower_bound":"1"}]}';

/** The reference's target configuration (§0) as a model config gives it, depth 8 / rsm 0.9 / l2 5 of the grid. */
const REFERENCE_PARAMS = {
  loss_function: "MultiClassOneVsAll",
  custom_metric: ["F1", "Accuracy"],
  iterations: 2000,
  learning_rate: 0.3,
  depth: 8,
  rsm: 0.9,
  l2_leaf_reg: 5,
  random_seed: 42,
  thread_count: -1,
  early_stopping_rounds: 50,
  text_processing: JSON.parse(TEXT_PROCESSING_JSON) as Record<string, unknown>,
  verbose: 50,
  cat_features: ["occupation", "credit_mix", "payment_of_min_amount"],
  text_features: ["type_of_loan", "payment_behaviour"],
};

describe("buildFitArgs", () => {
  it("gives the documented command line (§7.1) for the reference configuration, token by token", () => {
    const documented = shellWords(DOCUMENTED_FIT);
    expect(documented[0]).toBe("catboost");
    expect(documented).toContain("\t");
    const args = buildFitArgs(REFERENCE_PARAMS, DOC_PATHS);
    expect(args).toEqual(documented.slice(1));
    expect(args.length).toBe(documented.length - 1);
    // Python semantics: early_stopping_rounds → --od-type Iter --od-wait; use_best_model defaults to true with an eval set.
    expect(args.slice(args.indexOf("--od-type"), args.indexOf("--od-type") + 6)).toEqual([
      "--od-type",
      "Iter",
      "--od-wait",
      "50",
      "--use-best-model",
      "true",
    ]);
    // cat/text features come from the cd file, never from flags.
    expect(args.join(" ")).not.toMatch(/occupation|cat-features|text-features/);
  });

  it("passes text_processing as one JSON token with the misspelled key kept, whether given as an object or as JSON text", () => {
    const fromObject = buildFitArgs({ text_processing: JSON.parse(TEXT_PROCESSING_JSON) }, DOC_PATHS);
    const fromText = buildFitArgs({ text_processing: TEXT_PROCESSING_JSON }, DOC_PATHS);
    const token = fromObject[fromObject.indexOf("--text-processing") + 1];
    expect(token).toBe(TEXT_PROCESSING_JSON);
    expect(token).toContain('"occurence_lower_bound":"1"');
    expect(fromText).toEqual(fromObject);
    expect(() => buildFitArgs({ text_processing: "{not json" }, DOC_PATHS)).toThrow(
      /text_processing: expected a JSON object/,
    );
    expect(() => buildFitArgs({ text_processing: ["Space"] }, DOC_PATHS)).toThrow(/text_processing/);
  });

  it("rejects an unknown parameter with an error naming it (a usage error, exit 2)", () => {
    let error: unknown;
    try {
      buildFitArgs({ depth: 8, depht: 3 }, DOC_PATHS);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CatboostParamError);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as CatboostParamError).param).toBe("depht");
    expect((error as CatboostParamError).exitCode).toBe(ExitCode.usage);
    expect((error as Error).message).toBe('unknown catboost parameter "depht" (did you mean "depth"?)');
    expect(() => buildFitArgs({ train_dir: "x" }, DOC_PATHS)).toThrow(
      /unknown catboost parameter "train_dir"/,
    );
    expect(() => buildFitArgs({ zzzzzz: 1 }, DOC_PATHS)).toThrow(/^unknown catboost parameter "zzzzzz"$/);
  });

  it("rejects values of the wrong type, naming the parameter", () => {
    expect(() => buildFitArgs({ depth: 8.5 }, DOC_PATHS)).toThrow(
      "catboost parameter depth: expected an integer, got 8.5",
    );
    expect(() => buildFitArgs({ learning_rate: "fast" }, DOC_PATHS)).toThrow(
      /learning_rate: expected a number/,
    );
    expect(() => buildFitArgs({ learning_rate: Number.NaN }, DOC_PATHS)).toThrow(/learning_rate/);
    expect(() => buildFitArgs({ use_best_model: "yes" }, DOC_PATHS)).toThrow(
      /use_best_model: expected true or false/,
    );
    expect(() => buildFitArgs({ loss_function: "" }, DOC_PATHS)).toThrow(
      /loss_function: expected a non-empty string/,
    );
    expect(() => buildFitArgs({ custom_metric: [] }, DOC_PATHS)).toThrow(/custom_metric/);
    expect(() => buildFitArgs({ custom_metric: ["F1", "A,B"] }, DOC_PATHS)).toThrow(
      /custom_metric: list items/,
    );
    expect(() => buildFitArgs({ verbose: -1 }, DOC_PATHS)).toThrow(/verbose/);
    expect(() => buildFitArgs({ depth: null }, DOC_PATHS)).toThrow(/depth is null/);
  });

  it("accepts CatBoost's Python synonyms but not a parameter given twice", () => {
    const args = buildFitArgs(
      { random_state: 7, eta: 0.1, max_depth: 6, reg_lambda: 3, n_estimators: 10 },
      DOC_PATHS,
    );
    expect(args).toEqual(
      expect.arrayContaining(["--random-seed", "7", "--learning-rate", "0.1", "--depth", "6"]),
    );
    expect(args).toEqual(expect.arrayContaining(["--l2-leaf-reg", "3", "--iterations", "10"]));
    expect(() => buildFitArgs({ random_seed: 1, random_state: 2 }, DOC_PATHS)).toThrow(
      "catboost parameter random_seed is given twice (as random_seed and random_state)",
    );
  });

  it("maps early stopping like the Python package and refuses a contradiction", () => {
    const withType = buildFitArgs({ early_stopping_rounds: 20, od_type: "IncToDec" }, DOC_PATHS);
    expect(withType).toEqual(expect.arrayContaining(["--od-type", "IncToDec", "--od-wait", "20"]));
    expect(
      buildFitArgs({ early_stopping_rounds: 20, od_wait: 20 }, DOC_PATHS).filter((t) => t === "--od-wait"),
    ).toHaveLength(1);
    expect(() => buildFitArgs({ early_stopping_rounds: 20, od_wait: 30 }, DOC_PATHS)).toThrow(/disagree/);
  });

  it("renders booleans, flags, lists and numbers as catboost reads them", () => {
    const args = buildFitArgs(
      {
        use_best_model: false,
        has_time: true,
        allow_const_label: false,
        class_names: ["Good", "Poor", "Standard"],
        class_weights: [1, 2.5, "3"],
        ignored_features: ["a", "b"],
        per_float_feature_quantization: ["0:border_count=1024", "1:border_count=8"],
        border_count: 254,
        nan_mode: "Min",
        bootstrap_type: "Bayesian",
        l2_leaf_reg: 1e-20,
        boost_from_average: "false",
        depth: "6",
        verbose: false,
      },
      DOC_PATHS,
    );
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after("--use-best-model")).toBe("false");
    expect(args).toContain("--has-time");
    expect(args).not.toContain("--allow-const-label");
    expect(after("--class-names")).toBe("Good,Poor,Standard");
    expect(after("--class-weights")).toBe("1,2.5,3");
    expect(after("--ignore-features")).toBe("a:b");
    expect(after("--per-float-feature-quantization")).toBe("0:border_count=1024;1:border_count=8");
    expect(after("--border-count")).toBe("254");
    expect(after("--l2-leaf-reg")).toBe("1e-20");
    expect(after("--boost-from-average")).toBe("false");
    expect(after("--depth")).toBe("6");
    expect(after("--verbose")).toBe("0");
  });

  it("leaves out the eval set and the use_best_model default without a test set; places output flags after -m", () => {
    const args = buildFitArgs(
      { iterations: 10, verbose: 5, metric_period: 5 },
      { learn: "/w/learn.tsv", cd: "/w/learn.cd", trainDir: "/w/train", modelFile: "/w/train/model.bin" },
      { modelFormats: ["Json"], fstrFile: "/w/train/fstr.tsv", hasHeader: false },
    );
    expect(args).toEqual([
      "fit",
      "--learn-set",
      "/w/learn.tsv",
      "--column-description",
      "/w/learn.cd",
      "--delimiter",
      "\t",
      "--iterations",
      "10",
      "--train-dir",
      "/w/train",
      "-m",
      "/w/train/model.bin",
      "--model-format",
      "Json",
      "--fstr-file",
      "/w/train/fstr.tsv",
      "--metric-period",
      "5",
      "--verbose",
      "5",
    ]);
  });

  it("skips undefined values", () => {
    expect(buildFitArgs({ depth: undefined }, DOC_PATHS)).toEqual(buildFitArgs({}, DOC_PATHS));
  });

  it("is documented: every parameter is in the mapping table of docs/catboost-cli.md", () => {
    const doc = readFileSync(new URL("../../../docs/catboost-cli.md", import.meta.url), "utf8");
    for (const spec of FIT_PARAMS) {
      expect(doc, spec.name).toContain(`\`${spec.name}\``);
      if (spec.flag) expect(doc, spec.flag).toContain(`\`${spec.flag}`);
    }
  });
});

describe("model output files (-m with --model-format)", () => {
  it("follows CatBoost's DefineModelFormat / AddExtension rules", () => {
    expect(modelFormatOfPath("model.bin")).toBe("CatboostBinary");
    expect(modelFormatOfPath("model.json")).toBe("Json");
    expect(modelFormatOfPath("model.cbm")).toBe("CatboostBinary");
    expect(modelFormatOfPath("/tmp/a.b/model")).toBe("CatboostBinary");
    expect([...modelOutputFiles("/t/model.bin")]).toEqual([["CatboostBinary", "/t/model.bin"]]);
    expect(Object.fromEntries(modelOutputFiles("/t/model.bin", ["Json"]))).toEqual({
      CatboostBinary: "/t/model.bin",
      Json: "/t/model.bin.json",
    });
    expect(Object.fromEntries(modelOutputFiles("/t/model.cbm", ["Json"]))).toEqual({
      CatboostBinary: "/t/model.cbm.bin",
      Json: "/t/model.cbm.json",
    });
    expect(Object.fromEntries(modelOutputFiles("/t/model.json"))).toEqual({ Json: "/t/model.json" });
  });
});
