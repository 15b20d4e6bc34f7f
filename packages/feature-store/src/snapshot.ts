import { createProgress, type Logger, type Progress, silentLogger } from "@ct/step-kit";
import type { FieldPacket, RowDataPacket } from "mysql2";
import { type FeatureStore, unavailableIfTransient } from "./connection.ts";
import { assertSchema } from "./schema.ts";
import { SNAPSHOT_TABLE } from "./tables.ts";

/**
 * One snapshot column: numbers as a Float64Array (NaN = NULL) on a SharedArrayBuffer (worker
 * threads can read it in place), anything else as strings. A text column with at most 4096
 * distinct values (dates, categories, labels) shares one string object per distinct value and
 * also comes dictionary-encoded: `values[r] === encoded.dictionary[encoded.codes[r]]`, the codes on
 * a SharedArrayBuffer.
 */
export type SnapshotColumn =
  | { readonly name: string; readonly kind: "number"; readonly values: Float64Array }
  | {
      readonly name: string;
      readonly kind: "string";
      readonly values: (string | null)[];
      readonly encoded?: { readonly dictionary: readonly (string | null)[]; readonly codes: Int32Array };
    };

/** The rows of one `base_dt`, column by column, in primary-key order (id, customer_id, date). */
export interface Snapshot {
  readonly baseDt: string;
  readonly rowCount: number;
  readonly columns: readonly SnapshotColumn[];
}

// mysql2 column type codes of numeric SQL types (FLOAT, DOUBLE, DECIMAL, integers).
const NUMERIC_TYPES = new Set([0, 1, 2, 3, 4, 5, 8, 9, 13, 246]);

/**
 * A typed array on a SharedArrayBuffer, sized for the expected row count and grown by doubling if
 * more rows arrive. Shared so worker threads (the preprocess CSV formatters) can read a column
 * without a copy; sized up front so a 1 M-row read does not copy and re-copy every column.
 */
class SharedColumn<T extends Float64Array | Int32Array> {
  private buffer: T;
  length = 0;
  constructor(
    private readonly make: (buffer: SharedArrayBuffer) => T,
    private readonly bytesPerValue: number,
    capacity: number,
  ) {
    // A bogus expected count must not allocate gigabytes: beyond 16 M rows the array grows.
    this.buffer = make(new SharedArrayBuffer(bytesPerValue * Math.min(Math.max(1, capacity), 1 << 24)));
  }
  /** Makes room for `capacity` values in all (the expected row count became known). */
  reserve(capacity: number): void {
    const size = Math.min(capacity, 1 << 24);
    if (size <= this.buffer.length) return;
    const next = this.make(new SharedArrayBuffer(this.bytesPerValue * size));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
  push(value: number): void {
    if (this.length === this.buffer.length) {
      const next = this.make(new SharedArrayBuffer(this.buffer.byteLength * 2));
      next.set(this.buffer);
      this.buffer = next;
    }
    this.buffer[this.length++] = value;
  }
  /** The values so far, on a SharedArrayBuffer of exactly that length. */
  toArray(): T {
    if (this.length === this.buffer.length) return this.buffer;
    const exact = this.make(new SharedArrayBuffer(this.bytesPerValue * this.length));
    exact.set(this.buffer.subarray(0, this.length));
    return exact;
  }
}

/**
 * Dictionary-encodes a low-cardinality text column while it streams in (dates, categories,
 * labels): one shared string object per distinct value — a 1 M-row snapshot then holds a handful
 * of strings per such column instead of a million — and one code per row. Gives up (and stops
 * looking values up) once the column shows more than `limit` distinct values (ids).
 *
 * A fresh string from the driver has no hash yet, so a Map lookup hashes all its characters; a
 * 256-slot memo indexed by a few characters and the length answers most lookups of a
 * low-cardinality column with one string comparison instead.
 */
class StringDictionary {
  readonly strings: (string | null)[] = [];
  private readonly known = new Map<string, number>();
  private readonly memo: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined);
  private readonly memoCodes = new Int32Array(256);
  private nullCode = -1;
  codes: SharedColumn<Int32Array> | undefined;
  constructor(
    capacity: number,
    private readonly limit = 4096,
  ) {
    this.codes = new SharedColumn((buffer) => new Int32Array(buffer), 4, capacity);
  }
  reserve(capacity: number): void {
    this.codes?.reserve(capacity);
  }
  /** The shared string equal to `value` (or `value` itself once the dictionary gave up). */
  add(value: string | null): string | null {
    const codes = this.codes;
    if (!codes) return value;
    if (value === null) {
      if (this.nullCode < 0) {
        if (!this.grow()) return value;
        this.nullCode = this.strings.length;
        this.strings.push(null);
      }
      codes.push(this.nullCode);
      return value;
    }
    const n = value.length;
    const slot =
      n === 0
        ? 0
        : (Math.imul(n, 0x9e3779b1) ^
            (value.charCodeAt(0) << 1) ^
            (value.charCodeAt(n - 1) << 4) ^
            (value.charCodeAt(n - 2) << 9) ^
            (value.charCodeAt(n >> 1) << 13) ^
            (value.charCodeAt((n >> 1) + 1) << 17)) &
          255;
    const memo = this.memo[slot];
    if (memo === value) {
      codes.push(this.memoCodes[slot] as number);
      return memo;
    }
    let code = this.known.get(value);
    if (code === undefined) {
      if (!this.grow()) return value;
      code = this.strings.length;
      this.known.set(value, code);
      this.strings.push(value);
    }
    const shared = this.strings[code] as string;
    this.memo[slot] = shared;
    this.memoCodes[slot] = code;
    codes.push(code);
    return shared;
  }
  /** Whether one more distinct value fits; if not, the dictionary gives up for good. */
  private grow(): boolean {
    if (this.strings.length < this.limit) return true;
    this.codes = undefined;
    this.known.clear();
    this.strings.length = 0;
    this.memo.fill(undefined);
    return false;
  }
}

export interface ReadSnapshotOptions {
  logger?: Logger;
  /** Expected row count for the progress display and the first allocation (optional). */
  expectedRows?: number;
}

/** Rows allocated for before the expected count is known. */
const INITIAL_ROWS = 65_536;

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
 *
 * Without `expectedRows` the rows are counted on a second connection while they already stream
 * in (a COUNT over 1 M rows takes the server ~0.4 s): the progress display starts when the count
 * is known (the rows read before are added when the read ends), and the columns are then grown
 * once to that size.
 */
export async function readSnapshot(
  store: FeatureStore,
  baseDt: string,
  options: ReadSnapshotOptions = {},
): Promise<Snapshot> {
  const { logger = silentLogger } = options;
  await assertSchema(store.pool, [SNAPSHOT_TABLE]);
  const label = `read snapshot ${baseDt}`;
  const counted =
    options.expectedRows !== undefined
      ? Promise.resolve(options.expectedRows)
      : countSnapshotRows(store, baseDt);
  const sql = `SELECT * FROM ${SNAPSHOT_TABLE} WHERE base_dt = ? ORDER BY id, customer_id, date`;
  try {
    return await new Promise<Snapshot>((resolve, reject) => {
      let names: string[] = [];
      // Column positions by kind, and their targets: the row loop then does no per-cell dispatch.
      const numberIndexes: number[] = [];
      let numberColumns: SharedColumn<Float64Array>[] = [];
      const stringIndexes: number[] = [];
      let stringColumns: (string | null)[][] = [];
      let dictionaries: StringDictionary[] = [];
      let rowCount = 0;
      let ended = false;
      let expectedRows: number | undefined;
      let progress: Progress | undefined;
      let unreported = 0;
      const advance = (count: number) => {
        if (progress) progress.advance(count);
        else unreported += count;
      };
      // `unreported`: rows read before the count (and so the progress display) was there.
      /** Grows every column to `rows` rows at once. */
      const reserve = (rows: number) => {
        for (const column of numberColumns) column.reserve(rows);
        for (const dictionary of dictionaries) dictionary.reserve(rows);
        stringColumns = stringColumns.map((column) => {
          if (column.length >= Math.min(rows, 1 << 24)) return column;
          const grown = new Array<string | null>(Math.min(rows, 1 << 24));
          for (let row = 0; row < rowCount; row++) grown[row] = column[row] as string | null;
          return grown;
        });
      };
      counted.then(
        (total) => {
          if (ended) return;
          expectedRows = total;
          reserve(total);
          // Rows read before the count arrived are added at the end: reporting them now would show
          // a rate of 100 k rows in 0 s.
          progress = createProgress(logger, { label, total });
        },
        () => undefined, // only a hint: the read itself reports a lost connection
      );
      const query = store.pool.pool.query({ sql, values: [baseDt], rowsAsArray: true });
      query.on("fields", (fields: FieldPacket[]) => {
        names = fields.map((field) => field.name);
        fields.forEach((field, index) => {
          if (NUMERIC_TYPES.has(field.columnType ?? -1)) numberIndexes.push(index);
          else stringIndexes.push(index);
        });
        const capacity = expectedRows ?? INITIAL_ROWS;
        numberColumns = numberIndexes.map(
          () => new SharedColumn((buffer) => new Float64Array(buffer), 8, capacity),
        );
        stringColumns = stringIndexes.map(() => new Array(Math.min(capacity, 1 << 24)));
        dictionaries = stringIndexes.map(() => new StringDictionary(capacity));
      });
      query.on("result", (row: unknown) => {
        const values = row as unknown[];
        for (let k = 0; k < numberIndexes.length; k++) {
          const value = values[numberIndexes[k] as number];
          // FLOAT/DOUBLE arrive as numbers, DECIMAL and BIGINT as strings, NULL as null.
          (numberColumns[k] as SharedColumn<Float64Array>).push(
            typeof value === "number" ? value : value === null ? Number.NaN : Number(value),
          );
        }
        for (let k = 0; k < stringIndexes.length; k++) {
          const value = values[stringIndexes[k] as number];
          (stringColumns[k] as (string | null)[])[rowCount] = (dictionaries[k] as StringDictionary).add(
            value === null || typeof value === "string" ? value : String(value),
          );
        }
        if ((++rowCount & 8191) === 0) advance(8192);
      });
      query.on("error", reject);
      query.on("end", () => {
        ended = true;
        progress ??= createProgress(logger, { label, total: rowCount });
        progress.advance(unreported + (rowCount & 8191));
        progress.finish();
        const columns: SnapshotColumn[] = names.map((name, index): SnapshotColumn => {
          const numberAt = numberIndexes.indexOf(index);
          if (numberAt >= 0) {
            return {
              name,
              kind: "number",
              values: (numberColumns[numberAt] as SharedColumn<Float64Array>).toArray(),
            };
          }
          const stringAt = stringIndexes.indexOf(index);
          const values = stringColumns[stringAt] as (string | null)[];
          values.length = rowCount;
          const dictionary = dictionaries[stringAt] as StringDictionary;
          return dictionary.codes
            ? {
                name,
                kind: "string",
                values,
                encoded: { dictionary: dictionary.strings, codes: dictionary.codes.toArray() },
              }
            : { name, kind: "string", values };
        });
        resolve({ baseDt, rowCount, columns });
      });
    });
  } catch (error) {
    throw unavailableIfTransient(error, "reading the snapshot");
  }
}
