/**
 * CSV formatting of the preprocess outputs into bytes, from a table of typed arrays that worker
 * threads can share (see `csv-workers.ts`). Cells are written exactly as before — numbers as
 * `String(number)` (shortest round-trip form), NaN as an empty cell, text with RFC 4180 minimal
 * quoting — but straight into a byte buffer, without building a string per cell and per line.
 */

/** A numeric column: cell of snapshot row r = `(values[r] − center) / scale`; NaN → empty. */
export interface CsvNumberColumn {
  readonly kind: "number";
  /** Raw values in snapshot order. */
  readonly values: Float64Array;
  /** RobustScaler parameters; `center` 0 and `scale` 1 write the raw value (x − 0) / 1 = x. */
  readonly center: number;
  readonly scale: number;
}

/**
 * A text column as UTF-8 bytes of ready-to-write (already quoted) cells: cell of snapshot row r =
 * `bytes[offsets[c] … offsets[c + 1])` with `c = codes[r]`, or `c = r` when `codes` is null.
 */
export interface CsvTextColumn {
  readonly kind: "text";
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
  readonly codes: Int32Array | null;
  /** Longest cell, in bytes. */
  readonly maxBytes: number;
}

export type CsvColumn = CsvNumberColumn | CsvTextColumn;

/** The cells of one or more CSV files: `rows[i]` is the snapshot row of output line i. */
export interface CsvTable {
  readonly rows: Int32Array;
  readonly columns: readonly CsvColumn[];
}

/** A formatter of one {@link CsvTable}, from {@link createCsvFormatter}. */
export interface CsvFormatter {
  /** Upper bound of one line's length in bytes: `format` needs `out` ≥ rows × this. */
  readonly maxRowBytes: number;
  /**
   * Writes the CSV lines (no header) of output rows `start … end − 1` into `out` from index 0;
   * returns their length in bytes.
   */
  format(start: number, end: number, out: Uint8Array): number;
}

/**
 * A formatter of `table`'s rows into bytes ({@link CsvFormatter}).
 *
 * SELF-CONTAINED on purpose: worker threads get this function as source text
 * (`Function.prototype.toString`), so it must not refer to anything outside its own body —
 * no imports, no module-level helpers or constants. The output buffers can be shared too: a worker
 * writes into a SharedArrayBuffer that the main thread hands to `write(2)`, nothing is copied.
 *
 * How it is fast: each chunk first gathers its cells column by column (sequential reads of the
 * row list, one random read per cell — the CPU overlaps those) and scales them; then it writes
 * the lines. Integral numbers (|x| < 2³¹) are written digit by digit. Other
 * numbers go through a per-column, direct-mapped cache of formatted bytes keyed by the double:
 * features with few distinct values (ages, counts, rates) then hit it nearly always, and
 * `String(number)` — the largest cost — runs once per distinct value instead of once per cell.
 * A column whose hit rate stays below 1/4 turns its cache off.
 */
export function createCsvFormatter(table: CsvTable): CsvFormatter {
  const CACHE_BITS = 14;
  const CACHE_SLOTS = 1 << CACHE_BITS;
  /** ≥ the longest `String(double)`: "-0.0000012345678901234567" has 25 characters. */
  const SLOT_BYTES = 32;
  const NUMBER_BYTES = 25;
  const rows = table.rows;
  const columnCount = table.columns.length;
  const isNumber: boolean[] = [];
  const values: Float64Array[] = [];
  const centers: number[] = [];
  const scales: number[] = [];
  const textBytes: Uint8Array[] = [];
  const textOffsets: Int32Array[] = [];
  const textCodes: (Int32Array | null)[] = [];
  const cacheKeys: Float64Array[] = [];
  const cacheLengths: Uint8Array[] = [];
  const cacheBytes: Uint8Array[] = [];
  const cacheOn: boolean[] = [];
  const cacheLookups: number[] = [];
  const cacheHits: number[] = [];
  const empty = new Float64Array(0);
  const emptyBytes = new Uint8Array(0);
  const emptyOffsets = new Int32Array(0);
  let maxRowBytes = columnCount; // separators and the line end
  for (const column of table.columns) {
    const number = column.kind === "number";
    isNumber.push(number);
    values.push(number ? column.values : empty);
    centers.push(number ? column.center : 0);
    scales.push(number ? column.scale : 1);
    textBytes.push(number ? emptyBytes : column.bytes);
    textOffsets.push(number ? emptyOffsets : column.offsets);
    textCodes.push(number ? null : column.codes);
    maxRowBytes += number ? NUMBER_BYTES : column.maxBytes;
    cacheOn.push(number);
    cacheLookups.push(0);
    cacheHits.push(0);
  }
  const bits = new Float64Array(1);
  const words = new Int32Array(bits.buffer);
  let capacity = 0;
  const gatheredNumbers: Float64Array[] = [];
  const gatheredCodes: Int32Array[] = [];

  const format = (start: number, end: number, out: Uint8Array): number => {
    const count = end - start;
    if (out.length < count * maxRowBytes) {
      throw new RangeError(`CSV formatter: ${count} rows need a buffer of ${count * maxRowBytes} bytes`);
    }
    if (cacheKeys.length === 0) {
      // Allocated on first use: a formatter made only for `maxRowBytes` costs nothing.
      for (let c = 0; c < columnCount; c++) {
        cacheKeys.push(isNumber[c] ? new Float64Array(CACHE_SLOTS).fill(Number.NaN) : empty);
        cacheLengths.push(isNumber[c] ? new Uint8Array(CACHE_SLOTS) : emptyBytes);
        cacheBytes.push(isNumber[c] ? new Uint8Array(CACHE_SLOTS * SLOT_BYTES) : emptyBytes);
      }
    }
    if (count > capacity) {
      capacity = count;
      gatheredNumbers.length = 0;
      gatheredCodes.length = 0;
      for (let c = 0; c < columnCount; c++) {
        gatheredNumbers.push(isNumber[c] ? new Float64Array(capacity) : empty);
        gatheredCodes.push(isNumber[c] ? emptyOffsets : new Int32Array(capacity));
      }
    }
    for (let c = 0; c < columnCount; c++) {
      if (isNumber[c]) {
        const source = values[c]!;
        const target = gatheredNumbers[c]!;
        const center = centers[c]!;
        const scale = scales[c]!;
        for (let i = 0; i < count; i++) target[i] = (source[rows[start + i]!]! - center) / scale;
      } else {
        const codes = textCodes[c];
        const target = gatheredCodes[c]!;
        if (codes) for (let i = 0; i < count; i++) target[i] = codes[rows[start + i]!]!;
        else for (let i = 0; i < count; i++) target[i] = rows[start + i]!;
      }
    }
    let pos = 0;
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < columnCount; c++) {
        if (c > 0) out[pos++] = 44; // ,
        if (!isNumber[c]) {
          const code = gatheredCodes[c]![i]!;
          const offsets = textOffsets[c]!;
          const bytes = textBytes[c]!;
          const to = offsets[code + 1]!;
          for (let k = offsets[code]!; k < to; k++) out[pos++] = bytes[k]!;
          continue;
        }
        const value = gatheredNumbers[c]![i]!;
        if (Number.isNaN(value)) continue; // NaN: empty cell
        if ((value | 0) === value) {
          // An integer of int32 range (−0 included, which String() also prints as "0").
          let rest = value;
          if (rest < 0) {
            out[pos++] = 45; // -
            rest = -rest;
          }
          let digits = 1;
          for (let t = rest; t >= 10; t = (t / 10) >>> 0) digits++;
          let p = pos + digits;
          do {
            const quotient = (rest / 10) >>> 0;
            out[--p] = 48 + rest - quotient * 10;
            rest = quotient;
          } while (rest > 0);
          pos += digits;
          continue;
        }
        if (cacheOn[c]) {
          bits[0] = value;
          const slot =
            Math.imul(words[0]! ^ Math.imul(words[1]!, -1640531535), -2048144789) >>> (32 - CACHE_BITS);
          const keys = cacheKeys[c]!;
          const cache = cacheBytes[c]!;
          const base = slot * SLOT_BYTES;
          if (keys[slot] === value) {
            const length = cacheLengths[c]![slot]!;
            for (let k = 0; k < length; k++) out[pos + k] = cache[base + k]!;
            pos += length;
            cacheHits[c]!++;
          } else {
            const text = String(value);
            const length = text.length;
            for (let k = 0; k < length; k++) {
              const code = text.charCodeAt(k);
              out[pos + k] = code;
              cache[base + k] = code;
            }
            pos += length;
            keys[slot] = value;
            cacheLengths[c]![slot] = length;
          }
          const lookups = ++cacheLookups[c]!;
          if ((lookups & 65535) === 0 && cacheHits[c]! * 4 < lookups) cacheOn[c] = false;
          continue;
        }
        const text = String(value);
        const length = text.length;
        for (let k = 0; k < length; k++) out[pos + k] = text.charCodeAt(k);
        pos += length;
      }
      out[pos++] = 10; // \n
    }
    return pos;
  };
  return { maxRowBytes, format };
}
