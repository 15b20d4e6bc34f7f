import type { LossFunction } from "./params.ts";

/** Numeric feature columns (NaN = missing), by name. */
export type FeatureColumns = Readonly<Record<string, Float64Array>>;
/** Categorical or text columns, by name: one string per row. */
export type StringColumns = Readonly<Record<string, readonly string[]>>;

/** Columnar training data: feature columns of three kinds and one label per row. */
export interface TrainData {
  /** Numeric columns, NaN = missing. */
  features: FeatureColumns;
  /** Categorical columns: every distinct string (also "") is a category. */
  categorical?: StringColumns;
  /** Text columns, tokenized as `text_processing` says. */
  text?: StringColumns;
  /** Class labels (classification) or target values (RMSE). */
  labels: readonly string[] | Float64Array;
}

/** Rows to predict: the training columns without labels. */
export type FeatureData = Omit<TrainData, "labels">;

/** What prediction accepts: FeatureData, or (as in model format v1) just the numeric columns. */
export type PredictInput = FeatureData | FeatureColumns;

/** FeatureData from either accepted form: a record whose values are all Float64Arrays is numeric columns. */
export function toFeatureData(input: PredictInput): FeatureData {
  const values = Object.values(input);
  if (values.length > 0 && values.every((value) => ArrayBuffer.isView(value)))
    return { features: input as FeatureColumns };
  return input as FeatureData;
}

/**
 * A categorical or text column checked for `rows` rows: strings kept, integers turned into
 * strings (as CatBoost accepts them); anything else (null, NaN, objects) is an error naming the
 * column and row.
 */
export function stringColumn(
  values: readonly unknown[] | undefined,
  kind: "categorical feature" | "text feature",
  name: string,
  rows: number,
  what: string,
): readonly string[] {
  if (!Array.isArray(values))
    throw new Error(`${what} data lacks ${kind} ${JSON.stringify(name)} (expected an array of strings)`);
  if (values.length !== rows)
    throw new Error(
      `${what} ${kind} ${JSON.stringify(name)} has ${values.length} rows but there are ${rows} ${
        what === "training" || what === "eval" ? "labels" : "rows in the other columns"
      }`,
    );
  let converted: string[] | undefined;
  for (let row = 0; row < rows; row++) {
    const value: unknown = values[row];
    if (typeof value === "string") {
      if (converted) converted[row] = value;
      continue;
    }
    if (typeof value === "number" && Number.isInteger(value)) {
      converted ??= values.slice(0, row) as string[];
      converted[row] = String(value);
      continue;
    }
    throw new Error(
      `${what} ${kind} ${JSON.stringify(name)} has ${
        value === undefined || value === null || (typeof value === "number" && Number.isNaN(value))
          ? "a missing value"
          : `a non-string value ${JSON.stringify(value)}`
      } at row ${row}; use a string such as "" or "missing" for an absent ${kind === "text feature" ? "text" : "category"}`,
    );
  }
  return converted ?? (values as readonly string[]);
}

/** Sorts class names as CatBoost does: numerically when all are numbers, else by code units. */
export function sortClasses(names: Iterable<string>): string[] {
  const classes = [...new Set(names)];
  const numeric = classes.every((name) => name.trim() !== "" && Number.isFinite(Number(name)));
  return numeric
    ? classes.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0))
    : classes.sort();
}

/**
 * Targets as numbers: class indices into `classes` (sorted from the labels when not given) or,
 * for RMSE, the values. Throws an Error naming the row for a missing or unknown label.
 */
export function encodeLabels(
  labels: readonly string[] | Float64Array,
  loss: LossFunction,
  what: string,
  classes?: readonly string[],
): { target: Float64Array; classes: string[] } {
  if (loss === "RMSE") {
    const target = Float64Array.from(labels as ArrayLike<number>, Number);
    const bad = target.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) throw new Error(`label at row ${bad} is ${labels[bad]}: RMSE needs finite numeric labels`);
    return { target, classes: [] };
  }
  // Loops rather than `Array.from` with a callback: ~5× faster on 100,000 labels.
  const given = labels as ArrayLike<unknown>;
  const names = new Array<string>(given.length);
  for (let row = 0; row < given.length; row++) {
    const label = given[row];
    const name =
      label === null || label === undefined || (typeof label === "number" && Number.isNaN(label))
        ? ""
        : String(label);
    if (name === "" || name === "NaN")
      throw new Error(`${what} label at row ${row} is missing; every row needs a class label`);
    names[row] = name;
  }
  const known = classes ? [...classes] : sortClasses(names);
  if (!classes && known.length < 2)
    throw new Error(
      `only one class (${JSON.stringify(known[0])}) in the labels; classification needs at least two`,
    );
  if (loss === "Logloss" && known.length !== 2)
    throw new Error(`Logloss needs exactly two classes, got ${known.length}; use MultiClass`);
  const index = new Map(known.map((name, position) => [name, position]));
  const target = new Float64Array(names.length);
  for (let row = 0; row < names.length; row++) {
    const position = index.get(names[row] as string);
    if (position === undefined)
      throw new Error(`${what} label ${JSON.stringify(names[row])} at row ${row} is not a training class`);
    target[row] = position;
  }
  return { target, classes: known };
}
