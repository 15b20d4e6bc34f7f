import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SnapshotColumn } from "@ct/feature-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCsvFormatter } from "./csv-format.ts";
import { csvField, csvHeader, csvTable, encodeTextColumn } from "./csv-table.ts";
import { CSV_WORKER_SOURCE, CsvWorkerPool } from "./csv-workers.ts";
import { writeCsvFiles, writeRowsCsv } from "./outputs.ts";

/** A small deterministic generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Doubles whose shortest form takes every shape String() has: exponents, 21-digit integers, … */
const SPECIAL_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  -0.30000000000000004,
  1e-7,
  -1.2345678901234566e-7,
  0.000001,
  -0.0000012345678901234567,
  5e-324,
  -2.2250738585072014e-308,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  1e21,
  -1e21,
  123456789012345680000,
  2147483647,
  -2147483647,
  -2147483648,
  2147483648,
  -2147483649,
  4294967296,
  2 ** 53 + 2,
  0.5,
  -1.5,
  2.5e-5,
  100,
  -100000,
  Number.NaN,
];

const TEXT_VALUES = [
  "Good",
  "",
  null,
  "Auto Loan, and Payday Loan",
  'say "hi"',
  "Poor\r",
  "line\nbreak",
  "Müller",
  "한국어, 텍스트",
  "emoji 🎉",
  "plain",
];

/** The snapshot columns of a test table: numbers of every shape, text of every kind. */
function testColumns(n: number, seed: number): SnapshotColumn[] {
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const number = (make: () => number) => Float64Array.from({ length: n }, make);
  return [
    { name: "special", kind: "number", values: number(() => pick(SPECIAL_NUMBERS)) },
    { name: "continuous", kind: "number", values: number(() => (next() - 0.3) * 10 ** (next() * 12 - 6)) },
    { name: "few", kind: "number", values: number(() => Math.floor(next() * 40) / 7) },
    { name: "integers", kind: "number", values: number(() => Math.floor((next() - 0.5) * 2 ** 34)) },
    { name: "with nan", kind: "number", values: number(() => (next() < 0.2 ? Number.NaN : next())) },
    // ~30 k distinct values, each ~3 times: overflows the 16 k-slot cache with repeats.
    { name: "many", kind: "number", values: number(() => Math.floor(next() * 30_000) / 3.3) },
    { name: "text", kind: "string", values: Array.from({ length: n }, () => pick(TEXT_VALUES)) },
    {
      name: "ids",
      kind: "string",
      values: Array.from({ length: n }, (_, i) => (i % 997 === 0 ? `id,"${i}"` : `id${i}é`)),
    },
  ];
}

/** What the CSV writer wrote before it formatted into bytes: String() per cell, csvField per text. */
function referenceCsv(
  columns: readonly SnapshotColumn[],
  rows: Int32Array,
  scalers: ReadonlyMap<string, { center: number; scale: number }> = new Map(),
): string {
  let text = csvHeader(columns);
  for (const row of rows) {
    const cells = columns.map((column) => {
      if (column.kind === "string") return csvField(column.values[row] ?? "");
      const scaler = scalers.get(column.name);
      const raw = column.values[row] as number;
      const value = scaler ? (raw - scaler.center) / scaler.scale : raw;
      return Number.isNaN(value) ? "" : String(value);
    });
    text += `${cells.join(",")}\n`;
  }
  return text;
}

function shuffledRows(n: number, seed: number): Int32Array {
  const next = random(seed);
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as number, rows[i] as number];
  }
  return rows;
}

const decoder = new TextDecoder();

describe("createCsvFormatter", () => {
  it("writes exactly what String() and csvField give, in any row order and chunking", () => {
    const n = 40_000;
    const columns = testColumns(n, 1);
    const rows = shuffledRows(n, 2);
    const scalers = new Map([
      ["continuous", { center: 0.25, scale: 3.7 }],
      ["few", { center: 2, scale: 4 }],
      ["many", { center: 1000, scale: 2048.5 }],
    ]);
    const formatter = createCsvFormatter(csvTable(columns, rows, scalers));
    const out = new Uint8Array(5000 * formatter.maxRowBytes);
    let text = csvHeader(columns);
    for (let start = 0; start < n; start += 5000) {
      const length = formatter.format(start, Math.min(n, start + 5000), out);
      text += decoder.decode(out.subarray(0, length));
    }
    expect(text).toBe(referenceCsv(columns, rows, scalers));
  });

  it("writes every special number like String()", () => {
    const values = Float64Array.from(SPECIAL_NUMBERS);
    const rows = Int32Array.from(values, (_, i) => i);
    const formatter = createCsvFormatter(csvTable([{ name: "x", kind: "number", values }], rows));
    const out = new Uint8Array(values.length * formatter.maxRowBytes);
    const lines = decoder.decode(out.subarray(0, formatter.format(0, values.length, out))).split("\n");
    expect(lines.slice(0, -1)).toEqual(SPECIAL_NUMBERS.map((v) => (Number.isNaN(v) ? "" : String(v))));
  });

  it("refuses an output buffer that may be too small", () => {
    const formatter = createCsvFormatter(csvTable(testColumns(10, 3), shuffledRows(10, 4)));
    expect(() => formatter.format(0, 10, new Uint8Array(9 * formatter.maxRowBytes))).toThrow(RangeError);
  });
});

describe("encodeTextColumn", () => {
  it("keeps a dictionary for few distinct values and cells in row order for many", () => {
    const few = encodeTextColumn(["a", null, "a", 'b"c', ""]);
    expect(few.codes && Array.from(few.codes)).toEqual([0, 1, 0, 2, 1]);
    expect(decoder.decode(few.bytes)).toBe('a"b""c"');
    expect(few.maxBytes).toBe(6);
    const values = Array.from({ length: 5000 }, (_, i) => (i === 4999 ? "x,y" : `v${i}`));
    const many = encodeTextColumn(values);
    expect(many.codes).toBeNull();
    expect(many.offsets.length).toBe(5001);
    const cell = (i: number) => decoder.decode(many.bytes.subarray(many.offsets[i], many.offsets[i + 1]));
    expect([cell(0), cell(4096), cell(4999)]).toEqual(["v0", "v4096", '"x,y"']);
    expect(many.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it("uses the snapshot reader's dictionary encoding when there is one, with the same cells", () => {
    const dictionary = ["b", null, 'q"', ""];
    const codes = new Int32Array(new SharedArrayBuffer(4 * 6));
    codes.set([2, 0, 1, 3, 0, 2]);
    const values = Array.from(codes, (code) => dictionary[code] ?? null);
    const column = encodeTextColumn(values, { dictionary, codes });
    expect(column.codes).toBe(codes);
    const cells = (c: ReturnType<typeof encodeTextColumn>) =>
      values.map((_, row) => {
        const code = c.codes ? (c.codes[row] as number) : row;
        return decoder.decode(c.bytes.subarray(c.offsets[code], c.offsets[code + 1]));
      });
    expect(cells(column)).toEqual(cells(encodeTextColumn(values)));
    expect(cells(column)).toEqual(['"q"""', "b", "", "", "b", '"q"""']);
    expect(column.maxBytes).toBe(5);
  });

  it("encodes non-ASCII text as UTF-8 and counts its bytes", () => {
    const column = encodeTextColumn(["한국", "é"]);
    expect(decoder.decode(column.bytes)).toBe("한국é");
    expect(column.maxBytes).toBe(6);
  });
});

describe("CSV worker threads", () => {
  let pool: CsvWorkerPool;
  let directory: string;
  beforeAll(async () => {
    pool = new CsvWorkerPool(2);
    directory = await mkdtemp(join(tmpdir(), "ct-csv-"));
  });
  afterAll(async () => {
    await pool.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("run a self-contained program (the formatter travels as source text)", () => {
    expect(CSV_WORKER_SOURCE).toContain("function createCsvFormatter");
    expect(CSV_WORKER_SOURCE).not.toMatch(/\bimport\b/);
  });

  it("write files byte-identical to formatting on one thread, and to the String() reference", async () => {
    const n = 50_000;
    const columns = testColumns(n, 5);
    const rows = shuffledRows(n, 6);
    const scalers = new Map([["continuous", { center: -1, scale: 0.3 }]]);
    const table = csvTable(columns, rows, scalers);
    const header = csvHeader(columns);
    const files = (name: string) => [
      { path: join(directory, `${name}-a.csv`), start: 0, end: 35_000 },
      { path: join(directory, `${name}-b.csv`), start: 35_000, end: n },
    ];
    await writeCsvFiles(table, header, files("threads"), { pool });
    await writeCsvFiles(table, header, files("main"));
    const expectedA = referenceCsv(columns, rows.subarray(0, 35_000), scalers);
    const expectedB = referenceCsv(columns, rows.subarray(35_000), scalers);
    for (const name of ["threads", "main"]) {
      expect(await readFile(join(directory, `${name}-a.csv`), "utf8")).toBe(expectedA);
      expect(await readFile(join(directory, `${name}-b.csv`), "utf8")).toBe(expectedB);
    }
  });

  it("report a formatting failure as a rejected job", async () => {
    pool.use(csvTable(testColumns(10, 7), shuffledRows(10, 8)), [new Uint8Array(new SharedArrayBuffer(1))]);
    await expect(pool.format(0, 10, 0)).rejects.toThrow(/CSV worker failed: RangeError/);
    // The pool stays usable.
    const table = csvTable(testColumns(10, 7), shuffledRows(10, 8));
    const buffer = new Uint8Array(new SharedArrayBuffer(10 * createCsvFormatter(table).maxRowBytes));
    pool.use(table, [buffer]);
    expect(await pool.format(0, 10, 0)).toBeGreaterThan(0);
  });

  it("writeRowsCsv writes one file the same way", async () => {
    const columns = testColumns(300, 9);
    const rows = shuffledRows(300, 10);
    const path = join(directory, "rows.csv");
    await writeRowsCsv(path, columns, rows);
    expect(await readFile(path, "utf8")).toBe(referenceCsv(columns, rows));
  });
});
