import { basename } from "node:path";
import { type FeatureStore, readSnapshot } from "@ct/feature-store";
import { type Logger, silentLogger, throwIfInterrupted, writeDirectoryAtomically } from "@ct/step-kit";
import { DEFAULT_PREPROCESS_CONFIG, type PreprocessConfig } from "./features.ts";
import { preprocessOutputPaths, writePreprocessOutputs } from "./outputs.ts";
import { preprocessSnapshot } from "./transform.ts";

export interface PreprocessOptions {
  modelName: string;
  baseDt: string;
  artifactsPath: string;
  config?: PreprocessConfig;
  logger?: Logger;
  /** Stops the work before anything is renamed into place when aborted. */
  signal?: AbortSignal;
}

export interface PreprocessResult {
  modelName: string;
  baseDt: string;
  directory: string;
  rows: { snapshot: number; train: number; val: number };
  seconds: number;
}

/**
 * The preprocess step: reads the snapshot of `baseDt`, splits train/val, fits and applies one
 * RobustScaler per numeric feature, and writes the CSVs, the scalers and a manifest into
 * `<artifacts>/preprocessing/<model>/<baseDt>/` — all or nothing.
 */
export async function runPreprocess(
  store: FeatureStore,
  options: PreprocessOptions,
): Promise<PreprocessResult> {
  const { modelName, baseDt, artifactsPath, signal } = options;
  const config = options.config ?? DEFAULT_PREPROCESS_CONFIG;
  const logger = options.logger ?? silentLogger;
  const started = performance.now();
  const snapshot = await readSnapshot(store, baseDt, { logger });
  logger.info(`read ${snapshot.rowCount} rows of snapshot base_dt=${baseDt}`);
  throwIfInterrupted(signal);
  const preprocessed = preprocessSnapshot(snapshot, config);
  const paths = preprocessOutputPaths(artifactsPath, modelName, baseDt);
  const rows = {
    snapshot: snapshot.rowCount,
    train: preprocessed.trainRows.length,
    val: preprocessed.valRows.length,
  };
  const manifest = {
    model_name: modelName,
    base_dt: baseDt,
    rows,
    columns: preprocessed.columns.map((column) => column.name),
    split: { test_size: config.testSize, random_state: config.randomState },
    scaled_features: [...preprocessed.scalers.keys()],
  };
  const files = { trainCsv: basename(paths.trainCsv), valCsv: basename(paths.valCsv) };
  await writeDirectoryAtomically(paths.directory, async (directory) => {
    await writePreprocessOutputs(directory, files, preprocessed, manifest);
    throwIfInterrupted(signal);
  });
  const seconds = (performance.now() - started) / 1000;
  logger.info(
    `wrote ${rows.train} train and ${rows.val} val rows to ${paths.directory} in ${seconds.toFixed(1)}s`,
  );
  return { modelName, baseDt, directory: paths.directory, rows, seconds };
}
