import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DataContractError, NoInputError } from "@ct/step-kit";
import { parse } from "csv-parse/sync";
import type { ModelConfig } from "./model-config.ts";

/** Feature columns by role, as the engines take them (numeric NaN = missing). */
export interface FeatureFrame {
  readonly numeric: Readonly<Record<string, Float64Array>>;
  readonly categorical: Readonly<Record<string, readonly string[]>>;
  readonly text: Readonly<Record<string, readonly string[]>>;
  readonly rows: number;
}

/** A labelled data set: the features plus the target column as strings. */
export interface LabelledFrame extends FeatureFrame {
  readonly labels: readonly string[];
}

/** The feature schema a model was trained on: stored with the model so serving needs nothing else. */
export interface FeatureSchema {
  readonly target: string;
  readonly numeric: readonly string[];
  readonly categorical: readonly string[];
  readonly text: readonly string[];
  readonly drop: readonly string[];
}

/** A CSV file's header and rows; a missing or empty file is a NoInputError, bad CSV a DataContractError. */
export async function readCsvRecords(
  path: string,
  what: string,
): Promise<{ header: string[]; records: string[][] }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new NoInputError(
      code === "ENOENT"
        ? `${what} ${JSON.stringify(path)} does not exist; run preprocess for this model and date first`
        : `cannot read ${what} ${JSON.stringify(path)}: ${code ?? String(error)}`,
    );
  }
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new DataContractError(
      `${what} ${JSON.stringify(path)} is not valid CSV: ${(error as Error).message}`,
    );
  }
  const [header, ...rows] = records;
  if (!header) throw new NoInputError(`${what} ${JSON.stringify(path)} is empty`);
  if (rows.length === 0) throw new NoInputError(`${what} ${JSON.stringify(path)} has a header but no rows`);
  return { header, records: rows };
}

/** The schema implied by a CSV header and the model config: every other column is numeric. */
export function schemaFromHeader(
  header: readonly string[],
  config: ModelConfig,
  what: string,
): FeatureSchema {
  const present = new Set(header);
  const required = [config.target, ...config.categorical, ...config.text];
  const missing = required.filter((column) => !present.has(column));
  if (missing.length > 0)
    throw new DataContractError(
      `${what} lacks column${missing.length > 1 ? "s" : ""} ${missing.map((c) => JSON.stringify(c)).join(", ")} named by the model config`,
    );
  const taken = new Set([config.target, ...config.drop, ...config.categorical, ...config.text]);
  const numeric = header.filter((column) => !taken.has(column));
  if (numeric.length + config.categorical.length + config.text.length === 0)
    throw new DataContractError(`${what} has no feature columns`);
  return {
    target: config.target,
    numeric,
    categorical: [...config.categorical],
    text: [...config.text],
    drop: [...config.drop],
  };
}

/** Columnar frame of `records` (rows of strings, in `header` order) for the given schema. */
export function frameFromRecords(
  header: readonly string[],
  records: readonly (readonly string[])[],
  schema: FeatureSchema,
  what: string,
): FeatureFrame {
  const position = new Map(header.map((column, index) => [column, index]));
  const indexOf = (column: string): number => {
    const index = position.get(column);
    if (index === undefined) throw new DataContractError(`${what} lacks column ${JSON.stringify(column)}`);
    return index;
  };
  const numeric: Record<string, Float64Array> = {};
  for (const column of schema.numeric) {
    const index = indexOf(column);
    const values = new Float64Array(records.length);
    records.forEach((record, row) => {
      const cell = (record[index] ?? "").trim();
      const value = cell === "" || cell === "NaN" || cell === "nan" ? Number.NaN : Number(cell);
      if (Number.isNaN(value) && cell !== "" && cell.toLowerCase() !== "nan")
        throw new DataContractError(
          `${what}: column ${JSON.stringify(column)} row ${row + 1} is ${JSON.stringify(cell.slice(0, 40))}, not a number`,
        );
      values[row] = value;
    });
    numeric[column] = values;
  }
  const strings = (columns: readonly string[]): Record<string, string[]> =>
    Object.fromEntries(
      columns.map((column) => {
        const index = indexOf(column);
        return [column, records.map((record) => record[index] ?? "")];
      }),
    );
  return {
    numeric,
    categorical: strings(schema.categorical),
    text: strings(schema.text),
    rows: records.length,
  };
}

/** Reads one preprocess CSV (train or val) as a labelled frame; the schema comes from its header. */
export async function readLabelledCsv(
  path: string,
  config: ModelConfig,
  what: string,
): Promise<{ frame: LabelledFrame; schema: FeatureSchema }> {
  const { header, records } = await readCsvRecords(path, what);
  const schema = schemaFromHeader(header, config, what);
  const frame = frameFromRecords(header, records, schema, what);
  const targetIndex = header.indexOf(config.target);
  const labels = records.map((record, row) => {
    const label = record[targetIndex] ?? "";
    if (label === "") throw new DataContractError(`${what}: row ${row + 1} has no ${config.target} label`);
    return label;
  });
  return { frame: { ...frame, labels }, schema };
}

/** SHA-256 over the given files, in order: identifies the data a model was trained on. */
export async function hashFiles(paths: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const path of paths) {
    hash.update(await readFile(path));
    hash.update("\0");
  }
  return `sha256:${hash.digest("hex")}`;
}
