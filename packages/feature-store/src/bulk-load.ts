import { Readable } from "node:stream";
import type { Pool, PoolConnection, ResultSetHeader } from "mysql2/promise";
import { errorCode } from "./connection.ts";

export type SqlValue = string | number | bigint | null;

/** Escapes one value for LOAD DATA's default format (tab-separated, backslash escapes, \N = NULL). */
export function escapeLoadDataValue(value: SqlValue): string {
  if (value === null) return "\\N";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "\\N";
  if (typeof value === "bigint") return value.toString();
  return value.replace(/[\\\t\n\r\0]/g, (char) => {
    switch (char) {
      case "\\":
        return "\\\\";
      case "\t":
        return "\\t";
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      default:
        return "\\0";
    }
  });
}

/** Rows → LOAD DATA text, in chunks of about 64 KiB. */
async function* loadDataChunks(
  rows: AsyncIterable<readonly SqlValue[]> | Iterable<readonly SqlValue[]>,
): AsyncGenerator<string> {
  let chunk = "";
  for await (const row of rows) {
    let line = "";
    for (let index = 0; index < row.length; index++) {
      if (index > 0) line += "\t";
      line += escapeLoadDataValue(row[index] ?? null);
    }
    chunk += `${line}\n`;
    if (chunk.length >= 65536) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk.length > 0) yield chunk;
}

const INSERT_BATCH_ROWS = 1000;

/**
 * Loads rows into `table` (REPLACE on duplicate keys) through `LOAD DATA LOCAL INFILE` streamed
 * from memory, the fastest path into MariaDB/MySQL; servers with `local_infile` off get batched
 * multi-row INSERTs instead. `table` and `columns` are code constants, quoted as identifiers.
 * `target` is a pool (one of its connections is used) or a connection, e.g. in a transaction.
 * Returns the number of rows loaded.
 */
export async function bulkLoad(
  target: Pool | PoolConnection,
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly SqlValue[]> | Iterable<readonly SqlValue[]>,
): Promise<number> {
  // A connection (e.g. one inside a transaction) is used as it is; a pool lends one.
  const pooled = "getConnection" in target;
  const connection = pooled ? await target.getConnection() : target;
  try {
    return await loadDataLocal(connection, table, columns, rows);
  } catch (error) {
    // 1148 / 4166: LOCAL INFILE disabled on this server; fall back to INSERT batches.
    if (
      errorCode(error) !== "ER_NOT_ALLOWED_COMMAND" &&
      errorCode(error) !== "ER_LOAD_INFILE_CAPABILITY_DISABLED"
    )
      throw error;
    return await insertBatches(connection, table, columns, rows);
  } finally {
    if (pooled) connection.release();
  }
}

async function loadDataLocal(
  connection: PoolConnection,
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly SqlValue[]> | Iterable<readonly SqlValue[]>,
): Promise<number> {
  const sql =
    `LOAD DATA LOCAL INFILE 'ct-stream' REPLACE INTO TABLE ${connection.escapeId(table)} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columns.map((c) => connection.escapeId(c)).join(", ")})`;
  const [result] = await connection.query<ResultSetHeader>({
    sql,
    infileStreamFactory: () => Readable.from(loadDataChunks(rows), { objectMode: false }),
  });
  // REPLACE counts a replaced row twice in affectedRows; records = rows read from the stream.
  const info = /Records:\s*(\d+)/.exec(result.info ?? "");
  return info ? Number(info[1]) : result.affectedRows;
}

async function insertBatches(
  connection: PoolConnection,
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly SqlValue[]> | Iterable<readonly SqlValue[]>,
): Promise<number> {
  const head = `REPLACE INTO ${connection.escapeId(table)} (${columns.map((c) => connection.escapeId(c)).join(", ")}) VALUES ?`;
  let batch: SqlValue[][] = [];
  let loaded = 0;
  for await (const row of rows) {
    batch.push([...row]);
    if (batch.length >= INSERT_BATCH_ROWS) {
      await connection.query(head, [batch]);
      loaded += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await connection.query(head, [batch]);
    loaded += batch.length;
  }
  return loaded;
}
