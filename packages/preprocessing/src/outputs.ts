import { type FileHandle, mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SnapshotColumn } from "@ct/feature-store";
import { throwIfInterrupted } from "@ct/step-kit";
import { type CsvTable, createCsvFormatter } from "./csv-format.ts";
import { csvHeader, csvTable } from "./csv-table.ts";
import type { CsvWorkerPool } from "./csv-workers.ts";
import type { PreprocessedSnapshot } from "./transform.ts";

export const SCALER_SCHEMA_VERSION = 1;

/** Paths of the preprocess outputs for one model and date, relative to the artifacts folder. */
export function preprocessOutputPaths(artifactsPath: string, modelName: string, baseDt: string) {
  const directory = join(artifactsPath, "preprocessing", modelName, baseDt);
  return {
    directory,
    trainCsv: join(directory, `${modelName}_train.csv`),
    valCsv: join(directory, `${modelName}_val.csv`),
    scalerJson: join(directory, "encoders", "robust_scaler.json"),
    manifestJson: join(directory, "manifest.json"),
  };
}

export { csvField } from "./csv-table.ts";

/** Output rows per formatting job: ~3 MB of CSV for the credit-score snapshot, ~12 ms of one core. */
const ROWS_PER_CHUNK = 8192;

/** One CSV file of a {@link CsvTable}: its output rows `start … end − 1`, after the header. */
export interface CsvFile {
  readonly path: string;
  readonly start: number;
  readonly end: number;
}

export interface WriteCsvOptions {
  /** Formats the chunks on these worker threads; without it, on the calling thread. */
  readonly pool?: CsvWorkerPool;
  /** Checked between chunks: an abort stops the writing with an InterruptedError. */
  readonly signal?: AbortSignal;
  /** Output rows per formatting job (default 8192). */
  readonly rowsPerChunk?: number;
}

/** Writes all of `bytes` at the file's current position. */
async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/**
 * Writes CSV files from one table, each a header line then its rows, in chunks of 8192 rows
 * formatted into reused output buffers. With a worker pool the chunks are formatted in parallel,
 * a few ahead of the writer (`2 × threads + 2` buffers of rows × the longest possible line, ~6 MB
 * each for the credit-score snapshot), straight into buffers on
 * SharedArrayBuffers that are then written as they are; either way chunks are written strictly in
 * order, so the bytes do not depend on the number of threads.
 */
export async function writeCsvFiles(
  table: CsvTable,
  header: string,
  files: readonly CsvFile[],
  options: WriteCsvOptions = {},
): Promise<void> {
  const { pool, signal, rowsPerChunk = ROWS_PER_CHUNK } = options;
  const handles: FileHandle[] = [];
  try {
    for (const file of files) handles.push(await open(file.path, "w"));
    const jobs: { file: FileHandle; start: number; end: number }[] = [];
    for (const [index, file] of files.entries()) {
      const handle = handles[index] as FileHandle;
      await writeAll(handle, Buffer.from(header, "utf8"));
      for (let start = file.start; start < file.end; start += rowsPerChunk)
        jobs.push({ file: handle, start, end: Math.min(file.end, start + rowsPerChunk) });
    }
    const formatter = createCsvFormatter(table);
    const window = pool ? 2 * pool.size + 2 : 1;
    const chunkBytes = rowsPerChunk * formatter.maxRowBytes;
    const buffers = Array.from(
      { length: window },
      () => new Uint8Array(pool ? new SharedArrayBuffer(chunkBytes) : new ArrayBuffer(chunkBytes)),
    );
    let format: (start: number, end: number, buffer: number) => Promise<number>;
    if (pool) {
      pool.use(table, buffers);
      format = (start, end, buffer) => pool.format(start, end, buffer);
    } else {
      format = async (start, end, buffer) => formatter.format(start, end, buffers[buffer] as Uint8Array);
    }
    // Job j formats into buffer j % window; it starts once job j − window has been written.
    const pending: (Promise<number> | undefined)[] = [];
    let launched = 0;
    for (let index = 0; index < jobs.length; index++) {
      while (launched < jobs.length && launched < index + window) {
        const job = jobs[launched] as (typeof jobs)[number];
        const formatted = format(job.start, job.end, launched % window);
        formatted.catch(() => undefined); // awaited in order below; no unhandled rejection meanwhile
        pending[launched++] = formatted;
      }
      const length = await (pending[index] as Promise<number>);
      pending[index] = undefined;
      throwIfInterrupted(signal);
      const buffer = buffers[index % window] as Uint8Array;
      await writeAll((jobs[index] as (typeof jobs)[number]).file, buffer.subarray(0, length));
    }
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
}

/**
 * Writes the given rows of `columns` as one CSV (header = column names, cells as described in
 * docs/design.md), formatting on this thread.
 */
export async function writeRowsCsv(
  path: string,
  columns: readonly SnapshotColumn[],
  rows: Int32Array,
): Promise<void> {
  await writeCsvFiles(csvTable(columns, rows), csvHeader(columns), [{ path, start: 0, end: rows.length }]);
}

/** The fitted scalers as stored beside the CSVs (and later with the model). */
export function scalerDocument(preprocessed: PreprocessedSnapshot): Record<string, unknown> {
  return {
    schema_version: SCALER_SCHEMA_VERSION,
    kind: "RobustScaler",
    with_centering: true,
    with_scaling: true,
    quantile_range: [25, 75],
    features: Object.fromEntries(
      [...preprocessed.scalers].map(([feature, parameters]) => [
        feature,
        { center: parameters.center, scale: parameters.scale },
      ]),
    ),
  };
}

/**
 * Writes train/val CSVs (the scaled features scaled as they are formatted), the scaler JSON and a
 * manifest into `directory` (which must exist).
 */
export async function writePreprocessOutputs(
  directory: string,
  names: { trainCsv: string; valCsv: string },
  preprocessed: PreprocessedSnapshot,
  manifest: Record<string, unknown>,
  options: WriteCsvOptions = {},
): Promise<void> {
  const { trainRows, valRows } = preprocessed;
  const rows = new Int32Array(new SharedArrayBuffer(4 * (trainRows.length + valRows.length)));
  rows.set(trainRows);
  rows.set(valRows, trainRows.length);
  const table = csvTable(preprocessed.columns, rows, preprocessed.scalers);
  await writeCsvFiles(
    table,
    csvHeader(preprocessed.columns),
    [
      { path: join(directory, names.trainCsv), start: 0, end: trainRows.length },
      { path: join(directory, names.valCsv), start: trainRows.length, end: rows.length },
    ],
    options,
  );
  await mkdir(join(directory, "encoders"));
  await writeFile(
    join(directory, "encoders", "robust_scaler.json"),
    `${JSON.stringify(scalerDocument(preprocessed), null, 2)}\n`,
  );
  await writeFile(join(directory, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}
