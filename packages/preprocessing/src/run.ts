import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { type FeatureStore, readSnapshot } from "@ct/feature-store";
import { type Logger, silentLogger, throwIfInterrupted, writeDirectoryAtomically } from "@ct/step-kit";
import { CsvWorkerPool } from "./csv-workers.ts";
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
  /**
   * Worker threads that format the CSVs (0 = on the calling thread). Default: the number of
   * CPUs, at most 2 — what measured fastest on the 2-core reference machine (docs/benchmarks.md).
   */
  formatThreads?: number;
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
  const config = options.config ?? DEFAULT_PREPROCESS_CONFIG;
  const logger = options.logger ?? silentLogger;
  const started = performance.now();
  const threads = options.formatThreads ?? Math.min(2, availableParallelism());
  if (!Number.isInteger(threads) || threads < 0) {
    throw new RangeError(`runPreprocess: formatThreads=${String(threads)} must be an integer ≥ 0`);
  }
  // The threads start now, so they are ready when the snapshot has been read.
  const pool = threads > 0 ? new CsvWorkerPool(threads) : undefined;
  try {
    return await preprocess(store, options, config, logger, started, pool);
  } finally {
    await pool?.close();
  }
}

async function preprocess(
  store: FeatureStore,
  options: PreprocessOptions,
  config: PreprocessConfig,
  logger: Logger,
  started: number,
  pool: CsvWorkerPool | undefined,
): Promise<PreprocessResult> {
  const { modelName, baseDt, artifactsPath, signal } = options;
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
    await writePreprocessOutputs(directory, files, preprocessed, manifest, { pool, signal });
    throwIfInterrupted(signal);
  });
  const seconds = (performance.now() - started) / 1000;
  logger.info(
    `wrote ${rows.train} train and ${rows.val} val rows to ${paths.directory} in ${seconds.toFixed(1)}s`,
  );
  return { modelName, baseDt, directory: paths.directory, rows, seconds };
}
