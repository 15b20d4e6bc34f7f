// A stand-in for the catboost binary, run as a real process by the tests (through the `catboost`
// shell script writeFakeCatboost creates). It reads pools the way CatBoost's DSV loader does
// (catboost/libs/data/cb_dsv_loader.cpp: line by line, CsvSplitter quoting when the cd has Categ or
// Text columns, missing-value spellings, non-empty labels), and writes the train-dir files in the
// documented formats (learn_error.tsv, test_error.tsv, time_left.tsv, model files with the
// --model-format extension rule, --fstr-file, calc output). Behaviour comes from a JSON config
// file (first argument), so a test can change it between runs.
//
// usage: node fake-catboost.mjs <config.json> <catboost args…>

import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";

const [configPath, ...argv] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, "utf8"));

const EXCEPTION = "AN EXCEPTION OCCURRED.";

function fail(message) {
  process.stderr.write(`${EXCEPTION} (TCatBoostException) fake-catboost: ${message}\n`);
  process.exit(1);
}

const MISSING = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "n/a",
  "nan",
  "null",
  "Null",
  "none",
  "None",
  "-",
  "NAN",
  "Na",
  "na",
]);

function parsesAsFloat(token) {
  if (MISSING.has(token)) return true;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token);
}

/** library/cpp/string_utils/csv/csv.cpp CsvSplitter::Consume, quote '"' (or none). */
function splitLine(line, delimiter, quoting) {
  if (!quoting) return line.split(delimiter);
  const fields = [];
  let pos = 0;
  for (;;) {
    if (pos === line.length) {
      fields.push("");
      return fields;
    }
    let value = "";
    if (line[pos] === '"') {
      pos += 1;
      if (pos === line.length)
        throw new Error("RFC4180 violation: quotation mark must be followed by something");
      for (;;) {
        if (pos >= line.length) throw new Error("RFC4180 violation: unterminated quoted field");
        if (line[pos] === '"') {
          if (line[pos + 1] === '"') {
            value += '"';
            pos += 2;
            continue;
          }
          if (pos + 1 !== line.length && line[pos + 1] !== delimiter)
            throw new Error(
              "RFC4180 violation: in escaped string quotation mark must be followed by a delimiter, EOL or another quotation mark",
            );
          pos += 1;
          break;
        }
        value += line[pos];
        pos += 1;
      }
    } else {
      while (pos < line.length && line[pos] !== delimiter) {
        if (line[pos] === '"')
          throw new Error("RFC4180 violation: quotation mark must be in the escaped string only");
        value += line[pos];
        pos += 1;
      }
    }
    fields.push(value);
    if (pos === line.length) return fields;
    pos += 1; // the delimiter
  }
}

function readCd(path) {
  if (!existsSync(path)) fail(`column description file ${path} not found`);
  const columns = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const [index, type, name] = line.split("\t");
    columns[Number(index)] = { type, name: name ?? `f${index}` };
  }
  for (let i = 0; i < columns.length; i++) if (!columns[i]) columns[i] = { type: "Num", name: `f${i}` };
  return columns;
}

/** Reads a pool like TCBDsvDataLoader; returns { labels, rows }. */
function readPool(path, columns, hasHeader, delimiter) {
  if (!existsSync(path)) fail(`pool file '${path}' is not found`);
  const lines = readFileSync(path, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const data = hasHeader ? lines.slice(1) : lines;
  const quoting = columns.some((c) => c.type === "Categ" || c.type === "Text");
  const labels = [];
  const texts = [];
  data.forEach((line, index) => {
    let fields;
    try {
      fields = splitLine(line, delimiter, quoting);
    } catch (error) {
      fail(`Error in dsv data. Line ${index + 1}: ${error.message}`);
    }
    if (fields.length !== columns.length)
      fail(
        `Error in dsv data. Line ${index + 1}: wrong column count: expected ${columns.length}, found ${fields.length}`,
      );
    fields.forEach((token, k) => {
      const { type } = columns[k];
      if (type === "Label") {
        if (token.length === 0)
          fail(`Error in dsv data. Line ${index + 1}: empty values not supported for Label`);
        labels.push(token);
      } else if (type === "Num" && !parsesAsFloat(token)) {
        fail(`Error in dsv data. Line ${index + 1}: Factor ${k}=${token} cannot be parsed as float.`);
      } else if (type === "Text") {
        texts.push(token);
      }
    });
  });
  return { labels, rows: data.length, texts };
}

function classOrder(labels) {
  const distinct = [...new Set(labels)];
  return distinct.every((l) => l.trim() !== "" && Number.isFinite(Number(l)))
    ? distinct.sort((a, b) => Number(a) - Number(b))
    : distinct.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

const NO_ARG = new Set([
  "--has-header",
  "--has-time",
  "--allow-const-label",
  "--store-all-simple-ctr",
  "--ignore-csv-quoting",
]);

function parseArgs(args) {
  const options = new Map();
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (NO_ARG.has(flag)) options.set(flag, true);
    else {
      if (i + 1 >= args.length) {
        process.stderr.write(`option ${flag} must have arg\n`);
        process.exit(1);
      }
      options.set(flag, args[i + 1]);
      i += 1;
    }
  }
  return options;
}

const EXTENSIONS = {
  bin: "CatboostBinary",
  json: "Json",
  coreml: "AppleCoreML",
  cpp: "Cpp",
  py: "Python",
  onnx: "Onnx",
  pmml: "Pmml",
  cbsnapshot: "CpuSnapshot",
};
const FORMAT_EXT = Object.fromEntries(Object.entries(EXTENSIONS).map(([ext, format]) => [format, ext]));

function defineModelFormat(path) {
  const tokens = path.split(".").filter((t) => t.length > 0);
  return tokens.length > 1 && EXTENSIONS[tokens[tokens.length - 1]]
    ? EXTENSIONS[tokens[tokens.length - 1]]
    : "CatboostBinary";
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function fit(args) {
  const o = parseArgs(args);
  const trainDir = o.get("--train-dir") ?? "catboost_info";
  const delimiter = o.get("--delimiter") ?? "\t";
  const hasHeader = o.get("--has-header") === true;
  const columns = readCd(o.get("--column-description") ?? o.get("--cd"));
  const learn = readPool(o.get("--learn-set") ?? o.get("-f"), columns, hasHeader, delimiter);
  const test = o.has("--test-set") ? readPool(o.get("--test-set"), columns, hasHeader, delimiter) : undefined;
  const classes = classOrder(learn.labels);
  if (test)
    for (const label of test.labels) if (!classes.includes(label)) fail(`Unknown class name: "${label}"`);
  const textProcessing = o.get("--text-processing");
  if (textProcessing !== undefined) JSON.parse(textProcessing);

  const maxIterations = Number(o.get("--iterations") ?? o.get("-i") ?? 1000);
  const best = Math.min(config.bestIteration ?? 4, maxIterations - 1);
  const odWait = o.has("--od-wait") ? Number(o.get("--od-wait")) : undefined;
  const trained =
    odWait === undefined
      ? Math.min(maxIterations, config.iterations ?? 12)
      : Math.min(maxIterations, best + odWait + 1);
  const loss = (o.get("--loss-function") ?? "MultiClass").split(":")[0];
  const custom = (o.get("--custom-metric") ?? "").split(",").filter((m) => m !== "");
  const metrics = [loss];
  for (const metric of custom) {
    if (metric === "F1" && classes.length > 2)
      for (let k = 0; k < classes.length; k++) metrics.push(`F1:class=${k}`);
    else if (!metrics.includes(metric)) metrics.push(metric);
  }
  const value = (metric, iteration, onTest) => {
    const distance = Math.abs(iteration - best);
    if (metric === loss) return onTest ? 0.5 + 0.01 * distance : 1 / (iteration + 2);
    return onTest ? 0.9 - 0.001 * distance : 0.95;
  };
  const log = (onTest) => {
    const rows = Array.from(
      { length: trained },
      (_, i) => `${i}\t${metrics.map((m) => value(m, i, onTest)).join("\t")}`,
    );
    return `${[`iter\t${metrics.join("\t")}`, ...rows].join("\n")}\n`;
  };

  if (config.sleepMs) await sleep(config.sleepMs);
  if (config.killSignal) process.kill(process.pid, config.killSignal);

  writeFileSync(join(trainDir, "learn_error.tsv"), log(false));
  if (test) writeFileSync(join(trainDir, "test_error.tsv"), log(true));
  writeFileSync(
    join(trainDir, "time_left.tsv"),
    `iter\tPassed\tRemaining\n${Array.from({ length: trained }, (_, i) => `${i}\t${i * 3}\t${(trained - i) * 3}`).join("\n")}\n`,
  );

  const verbose = Number(o.get("--verbose") ?? 1);
  for (let i = 0; i < trained; i++) {
    if (verbose > 0 && (i % verbose === 0 || i === trained - 1)) {
      const testPart = test
        ? `\ttest: ${value(loss, i, true)}\tbest: ${value(loss, Math.min(i, best), true)} (${Math.min(i, best)})`
        : "";
      process.stdout.write(
        `${i}:\tlearn: ${value(loss, i, false)}${testPart}\ttotal: ${i}ms\tremaining: ${trained - i}ms\n`,
      );
    }
  }
  if (test && config.printSummary !== false) {
    process.stdout.write(`\nbestTest = ${value(loss, best, true)}\nbestIteration = ${best}\n\n`);
    if (o.get("--use-best-model") === "true")
      process.stdout.write(`Shrink model to first ${best + 1} iterations.\n`);
  }

  const modelArg = o.get("-m") ?? o.get("--model-file") ?? "model.bin";
  const modelPath = isAbsolute(modelArg) ? modelArg : join(trainDir, modelArg);
  const formats = [
    defineModelFormat(modelArg),
    ...(o.get("--model-format") ?? "").split(",").filter((f) => f !== ""),
  ];
  const names = columns.filter((c) => c.type !== "Label").map((c) => c.name);
  const hasText = columns.some((c) => c.type === "Text");
  for (const format of formats) {
    const ext = `.${FORMAT_EXT[format]}`;
    const file = formats.length > 1 && !modelPath.endsWith(ext) ? `${modelPath}${ext}` : modelPath;
    if (format === "CatboostBinary") writeFileSync(file, `FAKECBM\n${JSON.stringify({ classes, names })}\n`);
    else if (format === "Json") {
      if (hasText)
        fail(
          "catboost/libs/model/model_export/model_exporter.cpp:60: Can save model with text features only in cbm format",
        );
      writeFileSync(
        file,
        JSON.stringify({
          model_info: { params: { loss_function: { type: loss } }, class_params: { class_names: classes } },
          features_info: { float_features: [] },
          oblivious_trees: Array.from({ length: best + 1 }, () => ({
            splits: [],
            leaf_values: classes.map(() => 0.1),
            leaf_weights: [1],
          })),
          scale_and_bias: [1, classes.map(() => 0)],
        }),
      );
    }
  }
  if (o.has("--fstr-file")) {
    const fstr = o.get("--fstr-file");
    const path = isAbsolute(fstr) ? fstr : join(trainDir, fstr);
    writeFileSync(
      path,
      `${names.map((name, i) => `${((names.length - i) * 100) / names.length}\t${name}`).join("\n")}\n`,
    );
  }
  if (config.exitCode && config.exitCode !== 0) {
    if (config.exitCode === 1) fail(config.exceptionMessage ?? "failed");
    process.stderr.write(`${config.stderrLine ?? "something went wrong"}\n`);
    process.exit(config.exitCode);
  }
}

async function calc(args) {
  const o = parseArgs(args);
  const modelPath = o.get("-m") ?? o.get("--model-file") ?? "model.bin";
  if (!existsSync(modelPath)) fail(`Model file doesn't exist: ${modelPath}`);
  const model = JSON.parse(readFileSync(modelPath, "utf8").split("\n")[1]);
  const columns = readCd(o.get("--column-description") ?? o.get("--cd"));
  const pool = readPool(
    o.get("--input-path") ?? "input.tsv",
    columns,
    o.get("--has-header") === true,
    o.get("--delimiter") ?? "\t",
  );
  const outputColumns = (o.get("--output-columns") ?? "SampleId,RawFormulaVal").split(",");
  const header = [];
  for (const column of outputColumns) {
    if (column === "Probability") for (const c of model.classes) header.push(`Probability:Class=${c}`);
    else header.push(column);
  }
  const rows = [];
  for (let r = 0; r < pool.rows; r++) {
    const cells = [];
    for (const column of outputColumns) {
      if (column === "SampleId") cells.push(String(r));
      else if (column === "Probability")
        for (let k = 0; k < model.classes.length; k++) cells.push(String(1 / (1 + Math.exp(-((r % 5) - k)))));
      else cells.push("0");
    }
    rows.push(cells.join("\t"));
  }
  writeFileSync(o.get("--output-path") ?? "output.tsv", `${header.join("\t")}\n${rows.join("\n")}\n`);
}

appendFileSync(join(configPath, "..", "calls.jsonl"), `${JSON.stringify(argv)}\n`);
const [mode, ...rest] = argv;
if (mode === "--version" || mode === "-v") {
  process.stdout.write(
    config.versionText ?? "Git info:\n    Commit: 0123456789abcdef0123\n    Branch: refs/tags/v1.2.7\n",
  );
} else if (mode === "fit") {
  await fit(rest);
} else if (mode === "calc") {
  await calc(rest);
} else {
  process.stderr.write("Usage: catboost <mode> [options]\nmodes: fit calc fstr ...\n");
  process.exit(255);
}
