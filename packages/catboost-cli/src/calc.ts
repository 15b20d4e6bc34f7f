import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseCatboostNumber } from "./error-log.ts";
import { CatboostOutputError } from "./errors.ts";
import { type PoolData, writePool } from "./pool.ts";
import { type RunCatboostOptions, runCatboost } from "./run.ts";

export interface CalcArgsInput {
  /** The trained model (CatboostBinary). */
  readonly modelFile: string;
  /** The pool to score (writePool's layout: the same feature columns as training, no label needed). */
  readonly input: string;
  readonly cd: string;
  readonly outputPath: string;
  /** The pool has a header line. Default true. */
  readonly hasHeader?: boolean;
  /** `--output-columns`. Default `SampleId,Probability`. */
  readonly outputColumns?: readonly string[];
  readonly threadCount?: number;
}

/** The argv after `catboost` for batch scoring (§7.5). */
export function buildCalcArgs(input: CalcArgsInput): string[] {
  const args = ["calc", "-m", input.modelFile, "--input-path", input.input, "--column-description", input.cd];
  if (input.hasHeader ?? true) args.push("--has-header");
  args.push("--output-path", input.outputPath);
  args.push("--output-columns", (input.outputColumns ?? ["SampleId", "Probability"]).join(","));
  if (input.threadCount !== undefined) args.push("--thread-count", String(input.threadCount));
  return args;
}

export interface CalcOutput {
  /** Column order of `probabilities`. */
  readonly classes: string[];
  /** rows × classes, row-major. */
  readonly probabilities: Float64Array;
  readonly rows: number;
  /** The SampleId column, when it was written (the row index when the pool has no SampleId column). */
  readonly sampleIds: string[] | undefined;
}

const PROBABILITY_COLUMN = /^Probability:Class=(.*)$/;

/**
 * Parses `catboost calc` output (column_printer.cpp): a header then one row per object, tab
 * separated; multiclass probabilities are in `Probability:Class=<class name>` columns (for
 * MultiClassOneVsAll each an independent sigmoid), a binary model has one `Probability` column
 * (of the second class). The result's columns follow `classes` when given (every class must be
 * there, and nothing else), else the output's order. Rows come back in SampleId order when the
 * SampleId column is a permutation of 0..n−1 (it is the row index for pools without one).
 */
export function parseCalcOutput(text: string, classes?: readonly string[]): CalcOutput {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const [headerLine, ...rowLines] = lines;
  if (headerLine === undefined) throw new CatboostOutputError("catboost calc output is empty");
  const header = headerLine.split("\t");
  const sampleIdColumn = header.indexOf("SampleId");

  const found: { name: string; column: number }[] = [];
  header.forEach((name, column) => {
    const match = PROBABILITY_COLUMN.exec(name);
    if (match) found.push({ name: match[1] as string, column });
  });
  const binaryColumn = header.indexOf("Probability");

  let order: string[];
  let columns: number[];
  let binary = false;
  if (found.length > 0) {
    if (classes) {
      const byName = new Map(found.map((f) => [f.name, f.column]));
      const missing = classes.filter((c) => !byName.has(c));
      const extra = found.filter((f) => !classes.includes(f.name)).map((f) => f.name);
      if (missing.length > 0 || extra.length > 0)
        throw new CatboostOutputError(
          `catboost calc classes (${found.map((f) => f.name).join(", ")}) do not match the expected ones (${classes.join(", ")})`,
        );
      order = [...classes];
      columns = classes.map((c) => byName.get(c) as number);
    } else {
      order = found.map((f) => f.name);
      columns = found.map((f) => f.column);
    }
  } else if (binaryColumn >= 0) {
    if (!classes || classes.length !== 2)
      throw new CatboostOutputError(
        "catboost calc wrote one Probability column (a binary model); pass the two class names",
      );
    binary = true;
    order = [...classes];
    columns = [binaryColumn];
  } else {
    throw new CatboostOutputError(
      `catboost calc output has no Probability column (header: ${JSON.stringify(headerLine)})`,
    );
  }

  const width = order.length;
  const rows = rowLines.length;
  const parsed = new Float64Array(rows * width);
  const ids: string[] = [];
  rowLines.forEach((line, row) => {
    const cells = line.split("\t");
    if (cells.length !== header.length)
      throw new CatboostOutputError(
        `catboost calc output line ${row + 2} has ${cells.length} columns, expected ${header.length}`,
      );
    if (sampleIdColumn >= 0) ids.push(cells[sampleIdColumn] as string);
    const values = columns.map((column) => {
      const value = parseCatboostNumber(cells[column] as string);
      if (value === undefined)
        throw new CatboostOutputError(
          `catboost calc output line ${row + 2}: ${JSON.stringify(cells[column])} is not a number`,
        );
      return value;
    });
    if (binary) {
      const p = values[0] as number;
      parsed[row * 2] = 1 - p;
      parsed[row * 2 + 1] = p;
    } else parsed.set(values, row * width);
  });

  if (sampleIdColumn >= 0) {
    const indices = ids.map((id) => (/^\d+$/.test(id) ? Number(id) : -1));
    const isPermutation = indices.every((i) => i >= 0 && i < rows) && new Set(indices).size === rows;
    if (isPermutation && indices.some((index, row) => index !== row)) {
      const sorted = new Float64Array(parsed.length);
      indices.forEach((index, row) => {
        sorted.set(parsed.subarray(row * width, (row + 1) * width), index * width);
      });
      return { classes: order, probabilities: sorted, rows, sampleIds: indices.map((_, i) => String(i)) };
    }
  }
  return { classes: order, probabilities: parsed, rows, sampleIds: sampleIdColumn >= 0 ? ids : undefined };
}

export interface ScoreInput extends Omit<RunCatboostOptions, "cwd"> {
  readonly modelFile: string;
  /** Feature columns with the names and roles the model was trained on (labels are not written). */
  readonly data: PoolData;
  /** Column order of the result; undefined = the model's (sorted) class order. */
  readonly classes: readonly string[] | undefined;
  /** Scratch folder: calc.tsv, calc.cd and calc-output.tsv are written there. */
  readonly workDir: string;
  readonly threadCount?: number;
}

/** Scores rows with `catboost calc`: writes the pool, runs calc, parses the probabilities. */
export async function scoreWithCatboost(binary: string, input: ScoreInput): Promise<CalcOutput> {
  await mkdir(input.workDir, { recursive: true });
  const { labels: _labels, ...features } = input.data;
  const pool = await writePool(input.workDir, "calc", features);
  const outputPath = join(input.workDir, "calc-output.tsv");
  const args = buildCalcArgs({
    modelFile: input.modelFile,
    input: pool.poolPath,
    cd: pool.cdPath,
    outputPath,
    hasHeader: pool.hasHeader,
    ...(input.threadCount === undefined ? {} : { threadCount: input.threadCount }),
  });
  await runCatboost(binary, args, {
    cwd: input.workDir,
    ...(input.onLine ? { onLine: input.onLine } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.env ? { env: input.env } : {}),
    ...(input.killGraceMs === undefined ? {} : { killGraceMs: input.killGraceMs }),
  });
  let text: string;
  try {
    text = await readFile(outputPath, "utf8");
  } catch (error) {
    throw new CatboostOutputError(`catboost calc wrote no output file ${outputPath}`, { cause: error });
  }
  const output = parseCalcOutput(text, input.classes);
  if (output.rows !== pool.rows)
    throw new CatboostOutputError(`catboost calc scored ${output.rows} rows, the pool has ${pool.rows}`);
  return output;
}

/** Class probabilities (rows × classes, in `classes` order or the model's) from `catboost calc`. */
export async function calcProbabilities(binary: string, input: ScoreInput): Promise<Float64Array> {
  return (await scoreWithCatboost(binary, input)).probabilities;
}
