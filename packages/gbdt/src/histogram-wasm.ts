import type { ArrayMaker } from "./histograms.ts";

/**
 * The histogram pass (the kernel's hottest loop: for each listed row, add its weight and
 * weighted gradients to one (bin, leaf) cell per feature) as a WebAssembly module with 128-bit
 * SIMD: a cell's doubles are added two at a time. Each lane is the same IEEE addition as the
 * JavaScript loop's, in the same row order, so the histograms are the same doubles; the pass
 * takes about half the time (docs/gbdt.md).
 *
 * The module is written out here, opcode by opcode, rather than compiled from a .wat file: it is
 * eight small functions, and emitting them at run time keeps the package free of a build step
 * and of generated files (a WebAssembly text compiler such as wabt would be both).
 *
 * Functions `s<stride>n<features>` for strides 2 (one output) and 4 (three outputs) and 1 to 4
 * features, all with the parameters (count, leaves, rowsAt, leafAt, packedAt, bins0 … bins3,
 * histogram0 … histogram3): byte offsets in the imported shared memory `env.memory` of the
 * level's listed rows (u32), their leaves (u32), their packed weight and gradients (`stride`
 * f64 each), each feature's bins (u8 per learn row) and each feature's histogram (f64, cell
 * `(bin × leaves + leaf) × stride`). Unused features' parameters are ignored.
 */
export const WASM_STRIDES = [2, 4] as const;

/** Features summed by one call (the kernel's HistogramBuilder.BATCH). */
const MAX_FEATURES = 4;
/** The most 64 KiB pages a wasm32 memory can have: 4 GiB. */
const MAX_PAGES = 65536;
const PAGE_BYTES = 65536;
/** The most bytes a wasm32 memory can hold. */
export const WASM_MEMORY_BYTES = MAX_PAGES * PAGE_BYTES;

const unsigned = (value: number): number[] => {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
};

/** Signed LEB128, for the small non-negative constants the functions use. */
const signed = (value: number): number[] => {
  const bytes: number[] = [];
  let rest = value;
  for (;;) {
    const low = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0)) {
      bytes.push(low);
      return bytes;
    }
    bytes.push(low | 0x80);
  }
};

const vector = (items: number[][]): number[] => [...unsigned(items.length), ...items.flat()];
const text = (value: string): number[] => vector([...new TextEncoder().encode(value)].map((byte) => [byte]));
const section = (id: number, body: number[]): number[] => [id, ...unsigned(body.length), ...body];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...unsigned(depth)],
  brIf: (depth: number) => [0x0d, ...unsigned(depth)],
  get: (local: number) => [0x20, ...unsigned(local)],
  set: (local: number) => [0x21, ...unsigned(local)],
  /** i32.load, 4-byte aligned. */
  load32: (offset: number) => [0x28, 2, ...unsigned(offset)],
  load8: [0x2d, 0, 0],
  const32: (value: number) => [0x41, ...signed(value)],
  geU: [0x4f],
  add: [0x6a],
  mul: [0x6c],
  shl: [0x74],
  /** v128.load / v128.store with an 8-byte alignment hint (the doubles' own). */
  loadV128: (offset: number) => [0xfd, ...unsigned(0), 3, ...unsigned(offset)],
  storeV128: (offset: number) => [0xfd, ...unsigned(11), 3, ...unsigned(offset)],
  addF64x2: [0xfd, ...unsigned(240)],
};

/** Parameter and local indices of the functions. */
const P = { count: 0, leaves: 1, rowsAt: 2, leafAt: 3, packedAt: 4, bins: 5, histogram: 9 } as const;
const L = { at: 13, row: 14, leaf: 15, packed: 16, cell: 17, pairs: 18 } as const;

/** The body of `s<stride>n<features>`. */
function passBody(stride: number, features: number): number[] {
  const pairs = stride / 2;
  const shift = Math.log2(stride * 8);
  const body: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const part of parts) body.push(...part);
  };
  emit(op.block, op.loop);
  // while (at < count)
  emit(op.get(L.at), op.get(P.count), op.geU, op.brIf(1));
  emit(op.get(P.rowsAt), op.get(L.at), op.const32(2), op.shl, op.add, op.load32(0), op.set(L.row));
  emit(op.get(P.leafAt), op.get(L.at), op.const32(2), op.shl, op.add, op.load32(0), op.set(L.leaf));
  emit(op.get(P.packedAt), op.get(L.at), op.const32(shift), op.shl, op.add, op.set(L.packed));
  for (let pair = 0; pair < pairs; pair++)
    emit(op.get(L.packed), op.loadV128(16 * pair), op.set(L.pairs + pair));
  for (let feature = 0; feature < features; feature++) {
    // cell = histogram + ((bins[row] × leaves + leaf) << shift)
    emit(op.get(P.histogram + feature), op.get(P.bins + feature), op.get(L.row), op.add, op.load8);
    emit(op.get(P.leaves), op.mul, op.get(L.leaf), op.add, op.const32(shift), op.shl, op.add, op.set(L.cell));
    for (let pair = 0; pair < pairs; pair++)
      emit(
        op.get(L.cell),
        op.get(L.cell),
        op.loadV128(16 * pair),
        op.get(L.pairs + pair),
        op.addF64x2,
        op.storeV128(16 * pair),
      );
  }
  emit(op.get(L.at), op.const32(1), op.add, op.set(L.at), op.br(0), op.end, op.end, op.end);
  return [
    ...vector(
      [
        [5, I32],
        [pairs, V128],
      ].map(([count, type]) => [...unsigned(count!), type!]),
    ),
    ...body,
  ];
}

/** The function names, in export (and function index) order. */
export const passName = (stride: number, features: number): string => `s${stride}n${features}`;

/** The module's bytes. */
export function histogramModuleBytes(): Uint8Array {
  const functions = WASM_STRIDES.flatMap((stride) =>
    Array.from({ length: MAX_FEATURES }, (_, at) => ({ stride, features: at + 1 })),
  );
  const params = Array.from({ length: P.histogram + MAX_FEATURES }, () => [I32]);
  const memoryImport = [
    ...text("env"),
    ...text("memory"),
    0x02,
    0x03,
    ...unsigned(0),
    ...unsigned(MAX_PAGES),
  ];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, ...vector(params), ...vector([])]])),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map(() => [0]))),
    ...section(
      7,
      vector(
        functions.map(({ stride, features }, index) => [
          ...text(passName(stride, features)),
          0x00,
          ...unsigned(index),
        ]),
      ),
    ),
    ...section(
      10,
      vector(
        functions.map(({ stride, features }) => {
          const body = passBody(stride, features);
          return [...unsigned(body.length), ...body];
        }),
      ),
    ),
  ];
  return Uint8Array.from(bytes);
}

let compiled: WebAssembly.Module | null | undefined;

/**
 * The compiled module, once per process; undefined where this WebAssembly has no SIMD or no
 * shared memory (the kernel's JavaScript loops then do the pass).
 */
export function histogramModule(): WebAssembly.Module | undefined {
  if (compiled === undefined) {
    const bytes = histogramModuleBytes();
    compiled =
      typeof SharedArrayBuffer !== "undefined" && WebAssembly.validate(bytes)
        ? new WebAssembly.Module(bytes)
        : null;
  }
  return compiled ?? undefined;
}

/**
 * Typed arrays on one shared WebAssembly memory, which the histogram module reads and writes at
 * their byte offsets and worker threads share like SharedArrayBuffers. The memory grows as
 * arrays are made (a shared memory grows in place: earlier arrays stay valid); 16-byte aligned.
 */
export class WasmMemoryArrays implements ArrayMaker {
  readonly memory = new WebAssembly.Memory({ initial: 0, maximum: MAX_PAGES, shared: true });
  private top = 0;

  private allocate(bytes: number): number {
    const at = Math.ceil(this.top / 16) * 16;
    this.top = at + bytes;
    const size = this.memory.buffer.byteLength;
    if (this.top > size) this.memory.grow(Math.ceil((this.top - size) / PAGE_BYTES));
    return at;
  }

  uint8(length: number): Uint8Array {
    const at = this.allocate(length);
    return new Uint8Array(this.memory.buffer, at, length);
  }

  uint32(length: number): Uint32Array {
    const at = this.allocate(length * 4);
    return new Uint32Array(this.memory.buffer, at, length);
  }

  float64(length: number): Float64Array {
    const at = this.allocate(length * 8);
    return new Float64Array(this.memory.buffer, at, length);
  }
}
