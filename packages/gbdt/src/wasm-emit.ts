/**
 * A small WebAssembly binary encoder: LEB128 numbers, sections, the opcodes ct's modules use, and
 * a function builder. ct writes its modules out opcode by opcode (histogram-wasm.ts says why and
 * when); this is the part every module shares.
 */
/** The most 64 KiB pages a wasm32 memory can have: 4 GiB. */
export const MAX_PAGES = 65536;
export const PAGE_BYTES = 65536;
/** The most bytes a wasm32 memory can hold. */
export const WASM_MEMORY_BYTES = MAX_PAGES * PAGE_BYTES;

/** LEB128 of an unsigned 32-bit value. */
const unsignedBytes = (value: number): number[] => {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
};

/** LEB128 of a signed 32-bit value. */
const signedBytes = (value: number): number[] => {
  const bytes: number[] = [];
  let rest = value | 0;
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

/** The small values {@link memo} keeps: locals, offsets and constants are almost all below. */
const MEMO_LIMIT = 4096;

/**
 * `encode`, computed once for each value in [0, MEMO_LIMIT) and kept frozen (callers copy the
 * bytes, never change them). A module is thousands of `local.get`s and small constants: making
 * each anew cost most of the ~40 ms it took to write the histogram module in a fresh process.
 */
function memo(encode: (value: number) => number[]): (value: number) => readonly number[] {
  const cache: (readonly number[] | undefined)[] = [];
  return (value) => {
    if (!(value >= 0 && value < MEMO_LIMIT && Number.isInteger(value))) return encode(value);
    let bytes = cache[value];
    if (bytes === undefined) {
      bytes = Object.freeze(encode(value));
      cache[value] = bytes;
    }
    return bytes;
  };
}

const unsigned = memo(unsignedBytes);

/**
 * Bytes in pieces, joined once into the module: a function's code is not copied into its
 * section, nor the sections into the module.
 */
type Pieces = (readonly number[])[];

const piecesLength = (pieces: Pieces): number => pieces.reduce((sum, piece) => sum + piece.length, 0);
const vector = (items: readonly Pieces[]): Pieces => [unsigned(items.length), ...items.flat()];
const text = (value: string): Pieces => {
  const bytes = [...new TextEncoder().encode(value)];
  return [unsigned(bytes.length), bytes];
};
const section = (id: number, body: Pieces): Pieces => [[id], unsigned(piecesLength(body)), ...body];

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
const doubleView = new DataView(new ArrayBuffer(8));
/** An f64.const's immediate: the double's 8 bytes, little-endian. */
const f64Bytes = (value: number): number[] => {
  doubleView.setFloat64(0, value, true);
  return Array.from({ length: 8 }, (_, at) => doubleView.getUint8(at));
};
const simd = (code: number): number[] => [0xfd, ...unsigned(code)];
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  /** An `if` whose arms leave an f64. */
  ifF64: [0x04, 0x7c],
  /** A block that leaves an f64. */
  blockF64: [0x02, 0x7c],
  else: [0x05],
  end: [0x0b],
  br: memo((depth) => [0x0c, ...unsigned(depth)]),
  /** Calls function `index` of the module. */
  call: memo((index) => [0x10, ...unsigned(index)]),
  brIf: memo((depth) => [0x0d, ...unsigned(depth)]),
  select: [0x1b],
  return: [0x0f],
  get: memo((local) => [0x20, ...unsigned(local)]),
  set: memo((local) => [0x21, ...unsigned(local)]),
  /** i32.load / i32.store, 4-byte aligned; f64.load, 8-byte aligned. */
  load32: memo((offset) => [0x28, 2, ...unsigned(offset)]),
  loadF64: memo((offset) => [0x2b, 3, ...unsigned(offset)]),
  load8: [0x2d, 0, 0],
  store8: [0x3a, 0, 0],
  store32: [0x36, 2, 0],
  store32At: memo((offset) => [0x36, 2, ...unsigned(offset)]),
  storeF64: [0x39, 3, 0],
  storeF64At: memo((offset) => [0x39, 3, ...unsigned(offset)]),
  const32: memo((value) => [0x41, ...signedBytes(value)]),
  /** An i64.const of a small (i32-range) value. */
  const64: memo((value) => [0x42, ...signedBytes(value)]),
  constF64: (value: number) => [0x44, ...f64Bytes(value)],
  constF64Zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  eqz: [0x45],
  ne: [0x47],
  ltS: [0x48],
  ltU: [0x49],
  gtS: [0x4a],
  geS: [0x4e],
  xor: [0x73],
  shrS: [0x75],
  ltF64: [0x63],
  shlI64: [0x86],
  shrUI64: [0x88],
  orI64: [0x84],
  wrapI64: [0xa7],
  truncF64S: [0xaa],
  extendI32U: [0xad],
  convertI32S: [0xb7],
  convertI32U: [0xb8],
  reinterpretF64: [0xbd],
  reinterpretI64: [0xbf],
  eq: [0x46],
  gtU: [0x4b],
  leU: [0x4d],
  geU: [0x4f],
  eqF64: [0x61],
  neF64: [0x62],
  gtF64: [0x64],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  and: [0x71],
  shl: [0x74],
  shrU: [0x76],
  ctz: [0x68],
  popcnt: [0x69],
  or: [0x72],
  negF64: [0x9a],
  sqrtF64: [0x9f],
  addF64: [0xa0],
  subF64: [0xa1],
  mulF64: [0xa2],
  divF64: [0xa3],
  maxF64: [0xa5],
  /** v128.load / v128.store with an 8-byte alignment hint (the doubles' own). */
  loadV128: memo((offset) => [...simd(0), 3, ...unsigned(offset)]),
  storeV128: memo((offset) => [...simd(11), 3, ...unsigned(offset)]),
  zeroV128: [...simd(12), ...new Array<number>(16).fill(0)],
  /** v128.const of two doubles. */
  constF64x2: (value: number) => [...simd(12), ...f64Bytes(value), ...f64Bytes(value)],
  /** v128.const of two i64s (small values). */
  constI64x2: (value: number) => {
    const view = new DataView(new ArrayBuffer(16));
    view.setBigInt64(0, BigInt(value), true);
    view.setBigInt64(8, BigInt(value), true);
    return [...simd(12), ...new Uint8Array(view.buffer)];
  },
  /** i8x16.shuffle: byte i of the result is byte lanes[i] of a ‖ b. */
  shuffle: (lanes: number[]) => [...simd(13), ...lanes],
  extractLaneF64x2: (lane: number) => [...simd(33), lane],
  /** v128.store64_lane: lane `lane`'s 8 bytes at the address plus `offset`. */
  store64Lane: (offset: number, lane: number) => [...simd(91), 3, ...unsigned(offset), lane],
  eqF64x2: simd(71),
  ltF64x2: simd(73),
  geF64x2: simd(76),
  bitselect: simd(82),
  truncF64x2: simd(122),
  allTrueI64x2: simd(195),
  xorV128: simd(81),
  shlI64x2: simd(203),
  shrUI64x2: simd(205),
  ltSI64x2: simd(216),
  gtSI64x2: simd(217),
  addI64x2: simd(206),
  subI64x2: simd(209),
  absF64x2: simd(236),
  negF64x2: simd(237),
  mulF64x2: simd(242),
  divF64x2: simd(243),
  maxF64x2: simd(245),
  splatF64x2: simd(20),
  replaceLaneF64x2: (lane: number) => [...simd(34), lane],
  splatI8x16: simd(15),
  splatI32x4: simd(17),
  gtUI8x16: simd(40),
  andV128: simd(78),
  andNotV128: simd(79),
  orV128: simd(80),
  bitmaskI8x16: simd(100),
  /** i16x8.extend_low / extend_high_i8x16_s, i32x4.extend_low / extend_high_i16x8_s. */
  extendI16x8: (high: boolean) => simd(high ? 136 : 135),
  extendI32x4: (high: boolean) => simd(high ? 168 : 167),
  addF64x2: simd(240),
  subF64x2: simd(241),
};

/** The address `base + (index << shift)` of two locals: element `index` of an array of 2^shift-byte values at `base`. */
export const elementAt = (base: number, index: number, shift: number): number[] => [
  ...op.get(base),
  ...op.get(index),
  ...op.const32(shift),
  ...op.shl,
  ...op.add,
];

/**
 * `last` = min(`rowCount`, (`block` + 1) × `blockRows`), all locals: the end of a block's rows
 * (the list and leaf-sum loops walk blocks as the kernel does).
 */
export const blockEnd = (
  f: WasmFunction,
  block: number,
  blockRows: number,
  rowCount: number,
  last: number,
) => {
  f.emit(op.get(block), op.const32(1), op.add, op.get(blockRows), op.mul, op.set(last));
  f.emit(op.get(rowCount), op.get(last), op.get(last), op.get(rowCount), op.gtU, op.select, op.set(last));
};

/**
 * `for (row = block × blockRows; row < last; row++) body()`, all locals: a block's rows (`last`
 * from {@link blockEnd}).
 */
export const forBlockRows = (
  f: WasmFunction,
  row: number,
  block: number,
  blockRows: number,
  last: number,
  body: () => void,
): void =>
  f.forLoop(row, [...op.get(block), ...op.get(blockRows), ...op.mul], op.get(last), op.const32(1), body);

/** Each parameter name's index. */
export const parameterIndices = <Name extends string>(names: readonly Name[]): Record<Name, number> =>
  Object.fromEntries(names.map((name, index) => [name, index])) as Record<Name, number>;

/** One function of the module: its parameter types, an optional i32 result, its locals and code. */
export class WasmFunction {
  readonly name: string;
  readonly params: number[];
  /** Its result's type (I32, F64), if it has one. */
  readonly result: number | undefined;
  readonly code: number[] = [];
  private readonly locals: number[] = [];

  /** `params`: their types, or a count of i32 parameters. */
  constructor(name: string, params: number | number[], result?: number) {
    this.name = name;
    this.params = typeof params === "number" ? new Array<number>(params).fill(I32) : params;
    this.result = result;
  }

  /** A new local of type `type` (I32, F64, V128): its index. */
  local(type: number): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  /** The function's type in the type section. */
  signature(): number[] {
    const result = this.result === undefined ? [] : [this.result];
    return [0x60, ...unsigned(this.params.length), ...this.params, ...unsigned(result.length), ...result];
  }

  /** Appends `parts` (opcodes and their immediates) to the function's code. */
  emit(...parts: readonly (readonly number[])[]): void {
    for (const part of parts) this.code.push(...part);
  }

  /** `for (counter = from; counter < limit; counter += step) body()`, `from`, `limit` and `step` as code. */
  forLoop(
    counter: number,
    from: readonly number[],
    limit: readonly number[],
    step: readonly number[],
    body: () => void,
  ): void {
    this.emit(from, op.set(counter), op.block, op.loop);
    this.emit(op.get(counter), limit, op.geU, op.brIf(1));
    body();
    this.emit(op.get(counter), step, op.add, op.set(counter), op.br(0), op.end, op.end);
  }

  /** The function's entry in the code section. */
  entry(): Pieces {
    const groups: number[][] = [];
    for (const type of this.locals) {
      const last = groups.at(-1);
      if (last && last[1] === type) last[0]! += 1;
      else groups.push([1, type]);
    }
    const body = [
      ...vector(groups.map(([count, type]) => [[...unsigned(count!), type!]])),
      this.code,
      op.end,
    ];
    return [unsigned(piecesLength(body)), ...body];
  }
}

/**
 * A module of `functions`, each exported under its name, on an imported shared memory
 * `env.memory` (of up to `MAX_PAGES` pages).
 */
export function moduleBytes(functions: readonly WasmFunction[]): Uint8Array {
  // One type per signature.
  const signatures = functions.map((f) => f.signature());
  const types: number[][] = [];
  const typeIndex = new Map<string, number>();
  const typeOf = signatures.map((signature) => {
    const key = signature.join(",");
    let index = typeIndex.get(key);
    if (index === undefined) {
      index = types.length;
      types.push(signature);
      typeIndex.set(key, index);
    }
    return index;
  });
  const memoryImport = [...text("env"), ...text("memory"), [0x02, 0x03], unsigned(0), unsigned(MAX_PAGES)];
  const pieces = [
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types.map((type) => [type]))),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(typeOf.map((index) => [unsigned(index)]))),
    ...section(7, vector(functions.map((f, index) => [...text(f.name), [0x00], unsigned(index)]))),
    ...section(10, vector(functions.map((f) => f.entry()))),
  ];
  const bytes = new Uint8Array(piecesLength(pieces));
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.length;
  }
  return bytes;
}
