import type { SnapshotColumn } from "@ct/feature-store";
import type { CsvColumn, CsvTable, CsvTextColumn } from "./csv-format.ts";

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field, quoted only when it must be (RFC 4180, as pandas' QUOTE_MINIMAL). */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A Float64Array over a SharedArrayBuffer with `values`' contents (`values` itself if it is one). */
export function sharedFloat64(values: Float64Array): Float64Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const shared = new Float64Array(new SharedArrayBuffer(values.byteLength));
  shared.set(values);
  return shared;
}

/** An Int32Array over a SharedArrayBuffer with `values`' contents (`values` itself if it is one). */
export function sharedInt32(values: Int32Array): Int32Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const shared = new Int32Array(new SharedArrayBuffer(values.byteLength));
  shared.set(values);
  return shared;
}

function sharedBytes(bytes: Uint8Array): Uint8Array {
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  return shared;
}

/** A text column with more distinct values than this is stored cell by cell, not as a dictionary. */
const DICTIONARY_LIMIT = 4096;

/** Appends bytes to a buffer that doubles when full. */
class ByteSink {
  bytes = new Uint8Array(1 << 16);
  length = 0;
  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
  /** Appends `text` as a CSV field in UTF-8; returns the field's length in bytes. */
  appendField(text: string): number {
    const start = this.length;
    const length = text.length;
    this.reserve(length);
    const bytes = this.bytes;
    let pos = start;
    for (let k = 0; k < length; k++) {
      const code = text.charCodeAt(k);
      // Not plain ASCII, or a character that needs quoting: the general path.
      if (code >= 0x80 || code === 0x22 || code === 0x2c || code === 0x0a || code === 0x0d) {
        const encoded = Buffer.from(csvField(text), "utf8");
        this.reserve(encoded.length);
        this.bytes.set(encoded, start);
        this.length = start + encoded.length;
        return encoded.length;
      }
      bytes[pos++] = code;
    }
    this.length = pos;
    return length;
  }
}

/**
 * Encodes a text column for {@link CsvTable}: a dictionary of distinct cells plus one code per
 * row while there are at most 4096 distinct values (dates, categories, labels), otherwise every
 * row's cell in row order (ids). NULL is written as an empty cell. Every array is on a
 * SharedArrayBuffer.
 * @param encoded the column's dictionary encoding when the snapshot reader made one
 *   (`values[r] === dictionary[codes[r]]`): then only the dictionary is encoded here.
 */
export function encodeTextColumn(
  values: readonly (string | null)[],
  encoded?: { readonly dictionary: readonly (string | null)[]; readonly codes: Int32Array },
): CsvTextColumn {
  const n = values.length;
  if (encoded && encoded.codes.length === n) {
    const sink = new ByteSink();
    const offsets = new Int32Array(new SharedArrayBuffer(4 * (encoded.dictionary.length + 1)));
    let maxBytes = 0;
    encoded.dictionary.forEach((value, code) => {
      maxBytes = Math.max(maxBytes, sink.appendField(value ?? ""));
      offsets[code + 1] = sink.length;
    });
    return {
      kind: "text",
      bytes: sharedBytes(sink.bytes.subarray(0, sink.length)),
      offsets,
      codes: sharedInt32(encoded.codes),
      maxBytes,
    };
  }
  const dictionary = new Map<string, number>();
  const sink = new ByteSink();
  const offsets: number[] = [0];
  const codes = new Int32Array(new SharedArrayBuffer(4 * n));
  let maxBytes = 0;
  let row = 0;
  for (; row < n; row++) {
    const value = values[row] ?? "";
    let code = dictionary.get(value);
    if (code === undefined) {
      if (dictionary.size === DICTIONARY_LIMIT) break;
      code = dictionary.size;
      dictionary.set(value, code);
      maxBytes = Math.max(maxBytes, sink.appendField(value));
      offsets.push(sink.length);
    }
    codes[row] = code;
  }
  if (row === n) {
    return {
      kind: "text",
      bytes: sharedBytes(sink.bytes.subarray(0, sink.length)),
      offsets: sharedInt32(Int32Array.from(offsets)),
      codes,
      maxBytes,
    };
  }
  // Too many distinct values for a dictionary: store each row's cell.
  const cells = new ByteSink();
  const rowOffsets = new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
  maxBytes = 0;
  for (let index = 0; index < n; index++) {
    maxBytes = Math.max(maxBytes, cells.appendField(values[index] ?? ""));
    rowOffsets[index + 1] = cells.length;
  }
  return {
    kind: "text",
    bytes: sharedBytes(cells.bytes.subarray(0, cells.length)),
    offsets: rowOffsets,
    codes: null,
    maxBytes,
  };
}

/**
 * The {@link CsvTable} of snapshot columns written in the order `rows`, the numeric columns
 * named in `scalers` scaled with their `(x − center) / scale` (others written raw). Numeric
 * columns are shared, not copied, when already on a SharedArrayBuffer (as `readSnapshot` gives
 * them).
 */
export function csvTable(
  columns: readonly SnapshotColumn[],
  rows: Int32Array,
  scalers: ReadonlyMap<string, { readonly center: number; readonly scale: number }> = new Map(),
): CsvTable {
  return {
    rows: sharedInt32(rows),
    columns: columns.map((column): CsvColumn => {
      if (column.kind === "string") return encodeTextColumn(column.values, column.encoded);
      const scaler = scalers.get(column.name);
      return {
        kind: "number",
        values: sharedFloat64(column.values),
        center: scaler ? scaler.center : 0,
        scale: scaler ? scaler.scale : 1,
      };
    }),
  };
}

/** The header line of a CSV with these column names. */
export function csvHeader(columns: readonly { readonly name: string }[]): string {
  return `${columns.map((column) => csvField(column.name)).join(",")}\n`;
}
