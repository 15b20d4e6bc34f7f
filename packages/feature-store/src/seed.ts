import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import {
  CtError,
  createProgress,
  DataContractError,
  type Logger,
  NoInputError,
  type Progress,
  silentLogger,
  UsageError,
  withRetry,
} from "@ct/step-kit";
import { parse } from "csv-parse";
import { bulkLoad, type SqlValue } from "./bulk-load.ts";
import { type FeatureStore, isTransientConnectionError, unavailableIfTransient } from "./connection.ts";
import { createSchema, dropSchema } from "./schema.ts";
import { generateSyntheticRows, type SyntheticOptions, type SyntheticRow } from "./synthetic.ts";
import { CREDIT_SCORE_COLUMNS, CREDIT_SCORE_FEATURES_COLUMNS, CUSTOMER_INFO_COLUMNS } from "./tables.ts";

/** Where seed rows come from: CSVs in the reference fixture's format, or the synthetic generator. */
export type SeedSource =
  | { kind: "csv"; directory: string }
  | { kind: "synthetic"; options: SyntheticOptions };

export interface SeedOptions {
  source: SeedSource;
  /** Drop and recreate all tables first (snapshots included). */
  reset?: boolean;
  logger?: Logger;
  /**
   * Seconds to keep retrying a synthetic batch whose connection broke (ECONNRESET, a server
   * restart): LOAD DATA … REPLACE of the same rows is idempotent. Default 30.
   */
  retrySeconds?: number;
}

export interface SeedResult {
  rows: { customer_info: number; credit_score: number; credit_score_features: number };
  seconds: number;
  rowsPerSecond: number;
}

/** The source tables, their columns, and which field of a synthetic row feeds them. */
const SOURCE_TABLES = [
  { table: "customer_info", columns: CUSTOMER_INFO_COLUMNS, pick: (row: SyntheticRow) => row.customerInfo },
  { table: "credit_score", columns: CREDIT_SCORE_COLUMNS, pick: (row: SyntheticRow) => row.creditScore },
  {
    table: "credit_score_features",
    columns: CREDIT_SCORE_FEATURES_COLUMNS,
    pick: (row: SyntheticRow) => row.features,
  },
] as const;

async function* counted<T>(rows: AsyncIterable<T> | Iterable<T>, progress: Progress): AsyncGenerator<T> {
  let pending = 0;
  for await (const row of rows) {
    yield row;
    if (++pending === 10_000) {
      progress.advance(pending);
      pending = 0;
    }
  }
  progress.advance(pending);
}

/** Reads a fixture-format CSV (header row; `\N` = NULL), checking its header against `columns`. */
async function* readFixtureCsv(path: string, columns: readonly string[]): AsyncGenerator<SqlValue[]> {
  const parser = createReadStream(path).pipe(parse({ bom: true, relax_column_count: false }));
  let header: string[] | undefined;
  let order: number[] = [];
  for await (const record of parser as AsyncIterable<string[]>) {
    if (!header) {
      header = record.map((name) => name.trim().toLowerCase());
      const missing = columns.filter((column) => !header?.includes(column));
      if (missing.length > 0) {
        throw new UsageError(
          `${path}: missing column(s) ${missing.join(", ")}; expected ${columns.join(",")}`,
        );
      }
      order = columns.map((column) => header?.indexOf(column) ?? -1);
      continue;
    }
    yield order.map((index) => {
      const value = record[index] ?? "";
      return value === "\\N" ? null : value;
    });
  }
}

/**
 * Reads a seed CSV once through, before anything is loaded: it must be UTF-8 and parse completely
 * (a file cut mid-row ends in an unclosed quote or a short record). Throws a one-line
 * DataContractError naming the file and the problem; returns the number of data rows.
 */
async function validateFixtureCsv(path: string, columns: readonly string[]): Promise<number> {
  async function* utf8Checked(): AsyncGenerator<Buffer> {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let offset = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        throw new DataContractError(
          `seed CSV ${JSON.stringify(path)} is not valid UTF-8 (within bytes ${offset}-${offset + chunk.length}); nothing was loaded`,
        );
      }
      offset += chunk.length;
      yield chunk;
    }
    try {
      decoder.decode();
    } catch {
      throw new DataContractError(
        `seed CSV ${JSON.stringify(path)} ends inside a UTF-8 sequence (truncated?); nothing was loaded`,
      );
    }
  }
  let rows = 0;
  try {
    await pipeline(utf8Checked(), parse({ bom: true, relax_column_count: false }), async (records) => {
      for await (const _record of records) rows++;
    });
  } catch (error) {
    if (error instanceof CtError) throw error;
    throw new DataContractError(
      `seed CSV ${JSON.stringify(path)} is malformed (truncated?): ${(error as Error).message}; nothing was loaded`,
      { cause: error },
    );
  }
  if (rows === 0) {
    throw new DataContractError(
      `seed CSV ${JSON.stringify(path)} is empty; expected a header ${columns.join(",")}`,
    );
  }
  return rows - 1;
}

/** A server or parser error met while loading a seed CSV, as one line (exit 4 when the server went away). */
function seedLoadError(error: unknown, path: string): unknown {
  if (isTransientConnectionError(error)) return unavailableIfTransient(error, "seed");
  if (error instanceof CtError) return error;
  return new DataContractError(
    `seed CSV ${JSON.stringify(path)} was rejected: ${(error as Error).message ?? String(error)}; nothing was loaded`,
    { cause: error },
  );
}

/**
 * Loads the three CSVs in ONE transaction on one connection: a file the server rejects halfway
 * (a value out of range, a text too long) leaves no table half-loaded.
 */
async function loadCsvTables(
  store: FeatureStore,
  directory: string,
  logger: Logger,
): Promise<SeedResult["rows"]> {
  const rows = { customer_info: 0, credit_score: 0, credit_score_features: 0 };
  const connection = await store.pool.getConnection();
  try {
    await connection.beginTransaction();
    for (const { table, columns } of SOURCE_TABLES) {
      const path = join(directory, `${table}.csv`);
      const progress = createProgress(logger, { label: `seed ${table}` });
      try {
        const tableRows = readFixtureCsv(path, columns);
        rows[table] = await bulkLoad(connection, table, columns, counted(tableRows, progress));
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw seedLoadError(error, path);
      }
      progress.finish();
    }
    await connection.commit();
  } catch (error) {
    throw seedLoadError(error, directory);
  } finally {
    connection.release();
  }
  return rows;
}

const SYNTHETIC_BATCH_ROWS = 50_000;

/**
 * Generates the synthetic rows once and loads them in batches, the three tables of a batch
 * concurrently on three connections: the server parses one stream while Node builds the next.
 */
async function loadSyntheticBatches(
  store: FeatureStore,
  generated: Iterable<SyntheticRow>,
  progress: Progress,
  logger: Logger,
  retrySeconds: number,
): Promise<SeedResult["rows"]> {
  const loaded = { customer_info: 0, credit_score: 0, credit_score_features: 0 };
  let batch: SyntheticRow[] = [];
  const flush = async (): Promise<void> => {
    const rows = batch;
    batch = [];
    await Promise.all(
      SOURCE_TABLES.map(async ({ table, columns, pick }) => {
        const values = rows.map(pick);
        loaded[table] += await withRetry(() => bulkLoad(store.pool, table, columns, values), {
          deadlineMs: retrySeconds * 1000,
          isRetryable: isTransientConnectionError,
          onRetry: (error, attempt, delayMs) =>
            logger.warn(
              `seed ${table}: connection lost (${(error as NodeJS.ErrnoException).code}), attempt ${attempt}; loading the batch again in ${delayMs} ms`,
            ),
        }).catch((error: unknown) => {
          throw unavailableIfTransient(error, "seed");
        });
      }),
    );
    progress.advance(rows.length);
  };
  for (const row of generated) {
    batch.push(row);
    if (batch.length === SYNTHETIC_BATCH_ROWS) await flush();
  }
  if (batch.length > 0) await flush();
  return loaded;
}

/**
 * Creates the schema (dropping it first with `reset`) and loads the source tables from CSVs or
 * the synthetic generator with bulk loading. Existing rows with the same keys are replaced.
 */
export async function seedFeatureStore(store: FeatureStore, options: SeedOptions): Promise<SeedResult> {
  const { source, reset = false, logger = silentLogger } = options;
  const started = performance.now();
  // Check the source before touching the database: a bad source never drops or half-loads tables.
  if (source.kind === "csv") {
    for (const { table } of SOURCE_TABLES) {
      const path = join(source.directory, `${table}.csv`);
      await access(path).catch(() => {
        throw new NoInputError(
          `seed CSV ${JSON.stringify(path)} does not exist; expected customer_info.csv, credit_score.csv and credit_score_features.csv`,
        );
      });
    }
    for (const { table, columns } of SOURCE_TABLES) {
      await validateFixtureCsv(join(source.directory, `${table}.csv`), columns);
    }
  }
  const generated = source.kind === "synthetic" ? generateSyntheticRows(source.options) : undefined; // validates options
  if (reset) await dropSchema(store.pool);
  await createSchema(store.pool);
  let rows: SeedResult["rows"] = { customer_info: 0, credit_score: 0, credit_score_features: 0 };
  if (source.kind === "csv") {
    rows = await loadCsvTables(store, source.directory, logger);
  } else if (generated) {
    const progress = createProgress(logger, {
      label: "seed",
      total: source.options.days * source.options.rowsPerDay,
    });
    rows = await loadSyntheticBatches(store, generated, progress, logger, options.retrySeconds ?? 30);
    progress.finish();
  }
  const seconds = (performance.now() - started) / 1000;
  const loaded = rows.customer_info + rows.credit_score + rows.credit_score_features;
  const rowsPerSecond = Math.round(rows.credit_score_features / seconds);
  logger.info(`seeded ${loaded} rows (${rows.credit_score_features} feature rows) in ${seconds.toFixed(1)}s`);
  return { rows, seconds, rowsPerSecond };
}
