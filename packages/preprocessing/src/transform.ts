import type { Snapshot, SnapshotColumn } from "@ct/feature-store";
import { DataContractError, NoInputError } from "@ct/step-kit";
import type { PreprocessConfig } from "./features.ts";
import { assertTransformable, fitRobustScalerSelected } from "./robust-scaler.ts";
import { trainTestSplit } from "./split.ts";

export interface ScalerParameters {
  readonly center: number;
  readonly scale: number;
}

/** A snapshot split into train and validation rows, with a RobustScaler fitted per numeric feature. */
export interface PreprocessedSnapshot {
  /**
   * The snapshot's columns, in snapshot order and unscaled: the features in `scalers` are scaled
   * as the CSVs are written (`(x − center) / scale`, exactly `transformRobust`), which saves
   * a pass and a copy of every scaled column.
   */
  readonly columns: readonly SnapshotColumn[];
  /** Row indices into `columns`, in the split's order (as scikit-learn returns them). */
  readonly trainRows: Int32Array;
  readonly valRows: Int32Array;
  /** Fitted scaler per numeric feature, in `config.numericFeatures` order. */
  readonly scalers: ReadonlyMap<string, ScalerParameters>;
}

/**
 * Splits a snapshot like `train_test_split(test_size, random_state)` and fits one RobustScaler
 * per numeric feature on the train rows. Pure: no I/O.
 * @throws NoInputError for fewer than 2 rows; DataContractError when a numeric feature is missing
 *   or not numeric; RangeError when a scaled feature holds ±Infinity (as `fitRobustScaler`
 *   naming the first train row in row order that has one, else as `transformRobust`).
 */
export function preprocessSnapshot(snapshot: Snapshot, config: PreprocessConfig): PreprocessedSnapshot {
  if (snapshot.rowCount === 0) {
    throw new NoInputError(`snapshot base_dt=${snapshot.baseDt} is empty; run extract for that date first`);
  }
  if (snapshot.rowCount < 2) {
    throw new NoInputError(
      `snapshot base_dt=${snapshot.baseDt} has ${snapshot.rowCount} row; at least 2 are needed to split train/val`,
    );
  }
  const byName = new Map(snapshot.columns.map((column) => [column.name, column]));
  const problems: string[] = [];
  for (const feature of config.numericFeatures) {
    const column = byName.get(feature);
    if (!column) problems.push(`${feature} is missing`);
    else if (column.kind !== "number") problems.push(`${feature} is not numeric`);
  }
  if (problems.length > 0) {
    throw new DataContractError(`snapshot base_dt=${snapshot.baseDt}: ${problems.join("; ")}`);
  }
  const { train, test } = trainTestSplit(snapshot.rowCount, {
    testSize: config.testSize,
    randomState: config.randomState,
  });
  const isTrain = new Uint8Array(snapshot.rowCount);
  for (const row of train) isTrain[row] = 1;
  const scalers = new Map<string, ScalerParameters>();
  for (const column of snapshot.columns) {
    if (column.kind !== "number" || !config.numericFeatures.includes(column.name)) continue;
    scalers.set(column.name, fitRobustScalerSelected(column.values, isTrain));
    assertTransformable(column.values);
  }
  const orderedScalers = new Map(
    config.numericFeatures.map((feature) => [feature, scalers.get(feature) as ScalerParameters]),
  );
  return { columns: snapshot.columns, trainRows: train, valRows: test, scalers: orderedScalers };
}
