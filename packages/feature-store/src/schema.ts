import { DataContractError } from "@ct/step-kit";
import type { Pool, RowDataPacket } from "mysql2/promise";
import schemaSql from "../sql/schema.sql";
import { TABLES, type TableName } from "./tables.ts";

/** Splits a SQL script into statements (on `;` at line end), dropping `--` comment lines. */
export function splitSqlStatements(script: string): string[] {
  return script
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("--"))
    .join("\n")
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/** Creates the four feature-store tables in the connected database (idempotent). */
export async function createSchema(pool: Pool): Promise<void> {
  for (const statement of splitSqlStatements(schemaSql)) {
    await pool.query(statement);
  }
}

/** Drops the feature-store tables (for `ct seed --reset`). */
export async function dropSchema(pool: Pool): Promise<void> {
  for (const table of Object.keys(TABLES)) {
    await pool.query(`DROP TABLE IF EXISTS ${pool.escapeId(table)}`);
  }
}

/**
 * Checks that each table exists with every column ct reads or writes; throws a DataContractError
 * naming the first missing table or columns.
 */
export async function assertSchema(pool: Pool, tables: readonly TableName[]): Promise<void> {
  const [rows] = await pool.query<RowDataPacket[]>(
    "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)",
    [tables],
  );
  const present = new Map<string, Set<string>>();
  for (const row of rows) {
    const table = String(row.table_name);
    const columns = present.get(table) ?? new Set<string>();
    columns.add(String(row.column_name).toLowerCase());
    present.set(table, columns);
  }
  for (const table of tables) {
    const columns = present.get(table);
    if (!columns) {
      throw new DataContractError(
        `table ${table} does not exist in the feature store; create the schema (ct seed) first`,
      );
    }
    const missing = TABLES[table].filter((column) => !columns.has(column));
    if (missing.length > 0) {
      throw new DataContractError(
        `table ${table} lacks column(s) ${missing.join(", ")}; expected the schema in sql/schema.sql`,
      );
    }
  }
}
