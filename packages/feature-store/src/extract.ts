import { type Logger, silentLogger, withRetry } from "@ct/step-kit";
import type { ResultSetHeader, RowDataPacket } from "mysql2/promise";
import extractSql from "../sql/extract.sql";
import {
  errorCode,
  type FeatureStore,
  isTransientConnectionError,
  unavailableIfTransient,
} from "./connection.ts";
import { assertSchema, splitSqlStatements } from "./schema.ts";
import { SNAPSHOT_TABLE } from "./tables.ts";

export interface ExtractResult {
  baseDt: string;
  deletedRows: number;
  insertedRows: number;
  /** The snapshot dates in the table after the run, oldest first. */
  snapshots: string[];
}

export interface ExtractOptions {
  baseDt: string;
  logger?: Logger;
  /** Seconds to keep retrying the whole transaction after a transient connection failure. */
  retrySeconds?: number;
  /** SIGINT/SIGTERM: no further attempt (a running transaction is rolled back by the server when the process exits). */
  signal?: AbortSignal;
}

const [DELETE_STATEMENT, INSERT_STATEMENT] = splitSqlStatements(extractSql) as [string, string];

/**
 * Runs the extract SQL for `baseDt` in one transaction: removes snapshots 7+ days old and the
 * snapshot of `baseDt`, then inserts the features joined to labels of the month up to `baseDt`.
 * A failure rolls everything back; transient connection failures retry the whole transaction.
 */
export async function runExtract(store: FeatureStore, options: ExtractOptions): Promise<ExtractResult> {
  const { baseDt, logger = silentLogger, retrySeconds = 30, signal } = options;
  await assertSchema(store.pool, ["credit_score_features", "credit_score", SNAPSHOT_TABLE]);
  const { deletedRows, insertedRows } = await withRetry(
    async () => {
      const connection = await store.pool.getConnection();
      try {
        await connection.beginTransaction();
        try {
          const params = { base_dt: baseDt };
          const [deleted] = await connection.execute<ResultSetHeader>(
            { sql: DELETE_STATEMENT, namedPlaceholders: true },
            params,
          );
          const [inserted] = await connection.execute<ResultSetHeader>(
            { sql: INSERT_STATEMENT, namedPlaceholders: true },
            params,
          );
          await connection.commit();
          return { deletedRows: deleted.affectedRows, insertedRows: inserted.affectedRows };
        } catch (error) {
          await connection.rollback().catch(() => undefined);
          throw error;
        }
      } finally {
        connection.release();
      }
    },
    {
      deadlineMs: retrySeconds * 1000,
      isRetryable: isTransientConnectionError,
      ...(signal ? { signal } : {}),
      onRetry: (error, attempt, delayMs) =>
        logger.warn(
          `extract transaction failed (${errorCode(error)}), attempt ${attempt}; retrying in ${delayMs} ms`,
        ),
    },
  ).catch((error: unknown) => {
    throw unavailableIfTransient(error, "extract");
  });
  const [rows] = await store.pool.query<RowDataPacket[]>(
    `SELECT DISTINCT base_dt FROM ${SNAPSHOT_TABLE} ORDER BY base_dt`,
  );
  const snapshots = rows.map((row) => String(row.base_dt));
  logger.info(
    `extract base_dt=${baseDt}: deleted ${deletedRows} rows, inserted ${insertedRows} rows; snapshots kept: ${snapshots.join(", ") || "none"}`,
  );
  return { baseDt, deletedRows, insertedRows, snapshots };
}
