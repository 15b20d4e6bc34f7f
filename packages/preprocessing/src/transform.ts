import type { Snapshot, SnapshotColumn } from "@ct/feature-store";
import { DataContractError, NoInputError } from "@ct/step-kit";
import type { PreprocessConfig } from "./features.ts";
import { fitRobustScaler, transformRobust } from "./robust-scaler.ts";
import { trainTestSplit } from "./split.ts";

export interface ScalerParameters {
  readonly center: number;
  readonly scale: number;
}

/** A snapshot split into train and validation rows, with the numeric features scaled. */
export interface PreprocessedSnapshot {
  /** Columns in snapshot order; scaled features replace the raw ones. */
  readonly columns: readonly SnapshotColumn[];
  /** Row indices into `columns`, in the split's order (as scikit-learn returns them). */
  readonly trainRows: Int32Array;
  readonly valRows: Int32Array;
  /** Fitted scaler per numeric feature, in `config.numericFeatures` order. */
  readonly scalers: ReadonlyMap<string, ScalerParameters>;
}

/**
 * Splits a snapshot like `train_test_split(test_size, random_state)` and fits one RobustScaler
 * per numeric feature on the train rows, then scales every row. Pure: no I/O.
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
  const scalers = new Map<string, ScalerParameters>();
  const scaledColumns = snapshot.columns.map((column): SnapshotColumn => {
    if (column.kind !== "number" || !config.numericFeatures.includes(column.name)) return column;
    const parameters = fitRobustScaler(column.values, train);
    scalers.set(column.name, parameters);
    return { name: column.name, kind: "number", values: transformRobust(column.values, parameters) };
  });
  const orderedScalers = new Map(
    config.numericFeatures.map((feature) => [feature, scalers.get(feature) as ScalerParameters]),
  );
  return { columns: scaledColumns, trainRows: train, valRows: test, scalers: orderedScalers };
}
