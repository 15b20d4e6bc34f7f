import { createProgress, type Logger, silentLogger } from "@ct/step-kit";
import type { FieldPacket, RowDataPacket } from "mysql2";
import { type FeatureStore, unavailableIfTransient } from "./connection.ts";
import { assertSchema } from "./schema.ts";
import { SNAPSHOT_TABLE } from "./tables.ts";

/** One snapshot column: numbers as a Float64Array (NaN = NULL), anything else as strings. */
export type SnapshotColumn =
  | { readonly name: string; readonly kind: "number"; readonly values: Float64Array }
  | { readonly name: string; readonly kind: "string"; readonly values: (string | null)[] };

/** The rows of one `base_dt`, column by column, in primary-key order (id, customer_id, date). */
export interface Snapshot {
  readonly baseDt: string;
  readonly rowCount: number;
  readonly columns: readonly SnapshotColumn[];
}

// mysql2 column type codes of numeric SQL types (FLOAT, DOUBLE, DECIMAL, integers).
const NUMERIC_TYPES = new Set([0, 1, 2, 3, 4, 5, 8, 9, 13, 246]);

/** A Float64Array that grows by doubling while rows stream in. */
class GrowableFloat64 {
  private buffer = new Float64Array(65_536);
  length = 0;
  push(value: number): void {
    if (this.length === this.buffer.length) {
      const next = new Float64Array(this.buffer.length * 2);
      next.set(this.buffer);
      this.buffer = next;
    }
    this.buffer[this.length++] = value;
  }
  toArray(): Float64Array {
    return this.buffer.slice(0, this.length);
  }
}

/**
 * Shares one string object per distinct value of a low-cardinality column (dates, categories,
 * labels): a 1 M-row snapshot then holds a handful of strings per such column instead of a
 * million. Gives up (and stops looking values up) once a column shows more than `limit` values.
 */
class StringInterner {
  private readonly seen = new Map<string, string>();
  private active = true;
  constructor(private readonly limit = 4096) {}
  intern(value: string): string {
    if (!this.active) return value;
    const known = this.seen.get(value);
    if (known !== undefined) return known;
    if (this.seen.size >= this.limit) {
      this.active = false;
      this.seen.clear();
    } else {
      this.seen.set(value, value);
    }
    return value;
  }
}

export interface ReadSnapshotOptions {
  logger?: Logger;
  /** Expected row count for the progress display (optional). */
  expectedRows?: number;
}

/** Counts the rows of one snapshot. */
export async function countSnapshotRows(store: FeatureStore, baseDt: string): Promise<number> {
  const [rows] = await store.pool.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM ${SNAPSHOT_TABLE} WHERE base_dt = ?`,
    [baseDt],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Streams the snapshot `base_dt = baseDt` into columns. Uses the text protocol on purpose: FLOAT
 * columns then arrive as the server prints them (e.g. "899.888"), exactly as the reference
 * pipeline read them, instead of as widened 32-bit floats (899.8880004882812).
 */
export async function readSnapshot(
  store: FeatureStore,
  baseDt: string,
  options: ReadSnapshotOptions = {},
): Promise<Snapshot> {
  const { logger = silentLogger } = options;
  await assertSchema(store.pool, [SNAPSHOT_TABLE]);
  const expectedRows = options.expectedRows ?? (await countSnapshotRows(store, baseDt));
  const progress = createProgress(logger, { label: `read snapshot ${baseDt}`, total: expectedRows });
  const sql = `SELECT * FROM ${SNAPSHOT_TABLE} WHERE base_dt = ? ORDER BY id, customer_id, date`;
  try {
    return await new Promise<Snapshot>((resolve, reject) => {
      let names: string[] = [];
      let numeric: boolean[] = [];
      let numbers: (GrowableFloat64 | undefined)[] = [];
      let strings: ((string | null)[] | undefined)[] = [];
      let interners: StringInterner[] = [];
      let rowCount = 0;
      const query = store.pool.pool.query({ sql, values: [baseDt], rowsAsArray: true });
      query.on("fields", (fields: FieldPacket[]) => {
        names = fields.map((field) => field.name);
        numeric = fields.map((field) => NUMERIC_TYPES.has(field.columnType ?? -1));
        numbers = numeric.map((isNumber) => (isNumber ? new GrowableFloat64() : undefined));
        strings = numeric.map((isNumber) => (isNumber ? undefined : []));
        interners = numeric.map(() => new StringInterner());
      });
      query.on("result", (row: unknown) => {
        const values = row as unknown[];
        for (let index = 0; index < values.length; index++) {
          const value = values[index];
          const numberColumn = numbers[index];
          if (numberColumn) {
            numberColumn.push(value === null ? Number.NaN : Number(value));
          } else {
            strings[index]?.push(
              value === null ? null : (interners[index] as StringInterner).intern(String(value)),
            );
          }
        }
        if ((++rowCount & 8191) === 0) progress.advance(8192);
      });
      query.on("error", reject);
      query.on("end", () => {
        progress.advance(rowCount & 8191);
        progress.finish();
        const columns: SnapshotColumn[] = names.map((name, index) => {
          const numberColumn = numbers[index];
          return numberColumn
            ? { name, kind: "number", values: numberColumn.toArray() }
            : { name, kind: "string", values: strings[index] ?? [] };
        });
        resolve({ baseDt, rowCount, columns });
      });
    });
  } catch (error) {
    throw unavailableIfTransient(error, "reading the snapshot");
  }
}
