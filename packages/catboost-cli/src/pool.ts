import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { PoolFormatError } from "./errors.ts";

/**
 * The columns of a pool file by role, in file order after the label: numeric, then categorical,
 * then text (each in the key order of the data given).
 */
export interface PoolColumns {
  numeric: string[];
  categorical: string[];
  text: string[];
  /** Name of the label column in the header line ("" when the pool has no label column). */
  label: string;
}

/** Feature columns by role; numeric NaN = missing. `labels` is left out for pools to score. */
export interface PoolData {
  readonly numeric: Readonly<Record<string, Float64Array>>;
  readonly categorical: Readonly<Record<string, readonly string[]>>;
  readonly text: Readonly<Record<string, readonly string[]>>;
  readonly labels?: readonly string[];
}

export interface WritePoolOptions {
  /** Write a header line (then `--has-header` must be passed). Default true. */
  readonly header?: boolean;
  /** Header name of the label column. Default `label`. */
  readonly labelName?: string;
}

export interface WrittenPool {
  readonly poolPath: string;
  readonly cdPath: string;
  readonly columns: PoolColumns;
  readonly rows: number;
  readonly hasHeader: boolean;
  readonly hasLabel: boolean;
}

/** What CatBoost's DSV reader parses as a missing numeric value (`TryParseFloatFeatureValue`). */
export const MISSING_NUMERIC = "nan";

/** Column names go into the header line and the cd file; these characters would break either. */
const BAD_NAME = /[\t\r\n"]/;

/**
 * The column description (cd) file for a pool laid out as writePool writes it (§7.2):
 * `<0-based column index>\t<Type>[\t<feature name>]`, one line per column, Label first.
 */
export function columnDescription(columns: PoolColumns, withLabel: boolean): string {
  const lines: string[] = [];
  let index = 0;
  if (withLabel) lines.push(`${index++}\tLabel`);
  for (const name of columns.numeric) lines.push(`${index++}\tNum\t${name}`);
  for (const name of columns.categorical) lines.push(`${index++}\tCateg\t${name}`);
  for (const name of columns.text) lines.push(`${index++}\tText\t${name}`);
  return `${lines.join("\n")}\n`;
}

/**
 * A numeric cell: NaN → `nan` (missing, nan_mode decides), −0 → `0`, otherwise JavaScript's
 * shortest round-trip form (`0.1`, `1e-7`), which CatBoost parses as float32 like the Python
 * package does. ±Infinity has no portable spelling in the DSV reader and is rejected.
 */
export function formatNumeric(value: number, column: string, row: number): string {
  if (Number.isNaN(value)) return MISSING_NUMERIC;
  if (!Number.isFinite(value))
    throw new PoolFormatError(
      `numeric column ${JSON.stringify(column)} row ${row} is ${value}; CatBoost pools take finite values or NaN`,
    );
  if (value === 0) return "0";
  return String(value);
}

/**
 * A categorical or text cell. CatBoost reads pools line by line (TFileLineDataReader), so a line
 * break can never be inside a value: CR, LF and CRLF each become one space. When the pool has
 * categorical or text columns CatBoost splits lines RFC 4180 style (CsvSplitter with quote `"`):
 * a value with a tab or a double quote is written quoted, with `"` doubled, and reads back
 * exactly. Everything else (including the empty string, a category of its own) is written as is.
 */
export function formatStringField(value: string): string {
  const oneLine = value.includes("\r") || value.includes("\n") ? value.replace(/\r\n|\r|\n/g, " ") : value;
  if (oneLine.includes("\t") || oneLine.includes('"')) return `"${oneLine.replaceAll('"', '""')}"`;
  return oneLine;
}

/** A label cell: class names must be non-empty and free of tabs, quotes and line breaks. */
export function formatLabel(value: string, row: number): string {
  if (typeof value !== "string" || value.length === 0)
    throw new PoolFormatError(`label of row ${row} is empty; CatBoost rejects empty labels`);
  if (BAD_NAME.test(value))
    throw new PoolFormatError(
      `label ${JSON.stringify(value)} (row ${row}) contains a tab, quote or line break`,
    );
  return value;
}

/** The columns of `data` by role, checked: names usable, unique, every column `rows` long. */
export function poolColumns(data: PoolData, labelName = "label"): { columns: PoolColumns; rows: number } {
  const columns: PoolColumns = {
    numeric: Object.keys(data.numeric),
    categorical: Object.keys(data.categorical),
    text: Object.keys(data.text),
    label: data.labels ? labelName : "",
  };
  const names = [...columns.numeric, ...columns.categorical, ...columns.text];
  if (names.length === 0) throw new PoolFormatError("a pool needs at least one feature column");
  const seen = new Set<string>(data.labels ? [labelName] : []);
  for (const name of data.labels ? [labelName, ...names] : names) {
    if (name.length === 0 || BAD_NAME.test(name))
      throw new PoolFormatError(
        `column name ${JSON.stringify(name)} is empty or contains a tab, quote or line break`,
      );
  }
  for (const name of names) {
    if (seen.has(name)) throw new PoolFormatError(`column ${JSON.stringify(name)} appears twice in the pool`);
    seen.add(name);
  }
  const lengths: [string, number][] = [
    ...columns.numeric.map((n): [string, number] => [n, (data.numeric[n] as Float64Array).length]),
    ...columns.categorical.map((n): [string, number] => [
      n,
      (data.categorical[n] as readonly string[]).length,
    ]),
    ...columns.text.map((n): [string, number] => [n, (data.text[n] as readonly string[]).length]),
    ...(data.labels ? [[labelName, data.labels.length] as [string, number]] : []),
  ];
  const rows = data.labels ? data.labels.length : (lengths[0] as [string, number])[1];
  for (const [name, length] of lengths) {
    if (length !== rows)
      throw new PoolFormatError(`column ${JSON.stringify(name)} has ${length} rows, expected ${rows}`);
  }
  if (rows === 0) throw new PoolFormatError("a pool needs at least one row");
  return { columns, rows };
}

const ROWS_PER_WRITE = 4096;

/**
 * Writes `<dir>/<name>.tsv` (tab-separated, a header line unless `header: false`, label first,
 * then numeric, categorical, text columns) and `<dir>/<name>.cd` (§7.2). Cell encoding: see
 * formatNumeric, formatStringField and formatLabel. Returns the paths and the layout.
 */
export async function writePool(
  dir: string,
  name: string,
  data: PoolData,
  options: WritePoolOptions = {},
): Promise<WrittenPool> {
  const hasHeader = options.header ?? true;
  const { columns, rows } = poolColumns(data, options.labelName ?? "label");
  const hasLabel = data.labels !== undefined;
  await mkdir(dir, { recursive: true });
  const poolPath = join(dir, `${name}.tsv`);
  const cdPath = join(dir, `${name}.cd`);

  const numeric = columns.numeric.map((n) => [n, data.numeric[n] as Float64Array] as const);
  const strings = [
    ...columns.categorical.map((n) => data.categorical[n] as readonly string[]),
    ...columns.text.map((n) => data.text[n] as readonly string[]),
  ];
  const labels = data.labels;

  const file = await open(poolPath, "w");
  try {
    const header = [
      ...(hasLabel ? [columns.label] : []),
      ...columns.numeric,
      ...columns.categorical,
      ...columns.text,
    ];
    let chunk: string[] = hasHeader ? [header.join("\t")] : [];
    const cells = new Array<string>(header.length);
    for (let row = 0; row < rows; row++) {
      let k = 0;
      if (labels) cells[k++] = formatLabel(labels[row] as string, row);
      for (const [column, values] of numeric) cells[k++] = formatNumeric(values[row] as number, column, row);
      for (const values of strings) cells[k++] = formatStringField(String(values[row] ?? ""));
      chunk.push(cells.join("\t"));
      if (chunk.length >= ROWS_PER_WRITE) {
        await file.write(`${chunk.join("\n")}\n`);
        chunk = [];
      }
    }
    if (chunk.length > 0) await file.write(`${chunk.join("\n")}\n`);
  } finally {
    await file.close();
  }
  const cd = await open(cdPath, "w");
  try {
    await cd.write(columnDescription(columns, hasLabel));
  } finally {
    await cd.close();
  }
  return { poolPath, cdPath, columns, rows, hasHeader, hasLabel };
}
