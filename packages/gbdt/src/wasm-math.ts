import { F64, I32, moduleBytes, op, V128, WasmFunction } from "./wasm-emit.ts";

/**
 * `exp` and `log` written out in WebAssembly, operation for operation as fdlibm computes them
 * (Sun's freely distributable libm of 1993, `e_exp.c` and `e_log.c`), which is what V8's
 * `Math.exp` and `Math.log` run (`src/base/ieee754.cc`, exp with its special case for x = 1).
 * WebAssembly's f64 arithmetic is IEEE 754's, rounded once per operation and never fused, so
 * these give the same doubles as `Math.exp` and `Math.log` on x86-64 (the tests compare them bit
 * for bit on millions of arguments) — and the same on every machine, where a C compiler may fuse
 * fdlibm's multiply-adds (on arm64).
 *
 * They are emitted inline, into the loop that needs them: a call from JavaScript per value would
 * cost more than the function.
 */

/** The double with these high and low 32-bit words: fdlibm gives its constants so. */
function double(high: number, low: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, high);
  view.setUint32(4, low);
  return view.getFloat64(0);
}

// e_exp.c's constants.
const LN2_HI = double(0x3fe62e42, 0xfee00000);
const LN2_LO = double(0x3dea39ef, 0x35793c76);
const INV_LN2 = double(0x3ff71547, 0x652b82fe);
const EXP_OVERFLOW = double(0x40862e42, 0xfefa39ef);
const EXP_UNDERFLOW = double(0xc0874910, 0xd52d3051);
const EXP_P = [
  double(0x3fc55555, 0x5555553e),
  double(0xbf66c16c, 0x16bebd93),
  double(0x3f11566a, 0xaf25de2c),
  double(0xbebbbd41, 0xc5d26bf1),
  double(0x3e663769, 0x72bea4d0),
];
/** exp(1) rounded correctly, which V8 returns for x = 1 (the reduction would miss its last bit). */
const E = double(0x4005bf0a, 0x8b145769);
const TWO_M1000 = 2 ** -1000;
const TWO_1023 = 2 ** 1023;
// e_log.c's constants.
const TWO_54 = 2 ** 54;
const LG = [
  double(0x3fe55555, 0x55555593),
  double(0x3fd99999, 0x9997fa04),
  double(0x3fd24924, 0x94229359),
  double(0x3fcc71c5, 0x1d8e78af),
  double(0x3fc74664, 0x96cb03de),
  double(0x3fc39a09, 0xd078c69f),
  double(0x3fc2f112, 0xdf3e5244),
];
/** 1.5 × 2^52: added to an integral double below 2^51 in magnitude, its low bits are the integer. */
const MAGIC = 1.5 * 2 ** 52;
/** 0.33333333333333333 in e_log.c: the double nearest 1/3. */
const THIRD = double(0x3fd55555, 0x55555555);

/** Scalar (f64) or two-lane (f64x2) constants and arithmetic, for {@link horner}. */
const SCALAR = { constant: op.constF64, mul: op.mulF64, add: op.addF64 };
const LANES = { constant: op.constF64x2, mul: op.mulF64x2, add: op.addF64x2 };

/**
 * `a + x × (b + x × (c + …))`: Horner's form of fdlibm's polynomials, with `x` the local to
 * multiply by, in `kind`'s arithmetic.
 */
function horner(f: WasmFunction, x: number, coefficients: readonly number[], kind = SCALAR): void {
  coefficients.forEach((coefficient, at) => {
    f.emit(kind.constant(coefficient));
    if (at < coefficients.length - 1) f.emit(op.get(x));
  });
  for (let at = 0; at < coefficients.length - 1; at++) f.emit(kind.mul, kind.add);
}

/** The high 32 bits of the f64 in local `x`, as an i32. */
const highWord = (x: number): number[] => [
  ...op.get(x),
  ...op.reinterpretF64,
  ...op.const64(32),
  ...op.shrUI64,
  ...op.wrapI64,
];

/** The f64 with the i32 on the stack as its high word and zero as its low word. */
const fromHighWord: number[] = [...op.extendI32U, ...op.const64(32), ...op.shlI64, ...op.reinterpretI64];

/** The locals `exp` and `log` work in, made once per function. */
export class WasmMath {
  private readonly f: WasmFunction;
  private readonly x: number;
  private readonly hx: number;
  private readonly sign: number;
  private readonly k: number;
  private readonly hi: number;
  private readonly lo: number;
  private readonly t: number;
  private readonly c: number;
  private readonly y: number;

  constructor(f: WasmFunction) {
    this.f = f;
    [this.x, this.hi, this.lo, this.t, this.c, this.y] = Array.from({ length: 6 }, () => f.local(F64)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    [this.hx, this.sign, this.k] = Array.from({ length: 3 }, () => f.local(I32)) as [number, number, number];
  }

  /** Emits code that pops an f64 and pushes its `exp`, as fdlibm's `__ieee754_exp`. */
  exp(): void {
    const f = this.f;
    const { x, hx, sign, k, hi, lo, t, c, y } = this;
    f.emit(op.set(x), op.blockF64);
    // Depth 0: the result block; each `if` below adds one.
    f.emit(highWord(x), op.set(hx), op.get(hx), op.const32(31), op.shrU, op.set(sign));
    f.emit(op.get(hx), op.const32(0x7fffffff), op.and, op.set(hx));
    f.emit(op.get(hx), op.const32(0x40862e42), op.geU, op.if); // |x| ≥ 709.78, or not finite
    f.emit(op.get(hx), op.const32(0x7ff00000), op.geU, op.if);
    // NaN: x + x; +∞: x; −∞: 0.
    f.emit(op.get(x), op.get(x), op.neF64, op.if, op.get(x), op.get(x), op.addF64, op.br(3), op.end);
    f.emit(op.get(x), op.constF64Zero, op.get(sign), op.eqz, op.select, op.br(2), op.end);
    f.emit(op.get(x), op.constF64(EXP_OVERFLOW), op.gtF64, op.if);
    f.emit(op.constF64(Number.POSITIVE_INFINITY), op.br(2), op.end);
    f.emit(op.get(x), op.constF64(EXP_UNDERFLOW), op.ltF64, op.if, op.constF64Zero, op.br(2), op.end);
    f.emit(op.end);
    f.emit(op.const32(0), op.set(k), op.constF64Zero, op.set(hi), op.constF64Zero, op.set(lo));
    f.emit(op.get(hx), op.const32(0x3fd62e42), op.gtU, op.if); // |x| > 0.5 ln 2
    f.emit(op.get(hx), op.const32(0x3ff0a2b2), op.ltU, op.if); // and < 1.5 ln 2: k = ±1
    f.emit(op.get(x), op.constF64(1), op.eqF64, op.if, op.constF64(E), op.br(3), op.end);
    f.emit(
      op.get(x),
      op.constF64(-LN2_HI),
      op.constF64(LN2_HI),
      op.get(sign),
      op.select,
      op.subF64,
      op.set(hi),
    );
    f.emit(op.constF64(-LN2_LO), op.constF64(LN2_LO), op.get(sign), op.select, op.set(lo));
    f.emit(op.const32(1), op.get(sign), op.const32(1), op.shl, op.sub, op.set(k));
    f.emit(op.else);
    f.emit(op.constF64(INV_LN2), op.get(x), op.mulF64);
    f.emit(op.constF64(-0.5), op.constF64(0.5), op.get(sign), op.select, op.addF64, op.truncF64S, op.set(k));
    f.emit(op.get(k), op.convertI32S, op.set(t));
    f.emit(op.get(x), op.get(t), op.constF64(LN2_HI), op.mulF64, op.subF64, op.set(hi));
    f.emit(op.get(t), op.constF64(LN2_LO), op.mulF64, op.set(lo));
    f.emit(op.end);
    f.emit(op.get(hi), op.get(lo), op.subF64, op.set(x));
    f.emit(op.else);
    // |x| < 2^-28: 1 + x.
    f.emit(op.get(hx), op.const32(0x3e300000), op.ltU, op.if);
    f.emit(op.constF64(1), op.get(x), op.addF64, op.br(2), op.end);
    f.emit(op.end);
    f.emit(op.get(x), op.get(x), op.mulF64, op.set(t));
    // c = x − t × (P1 + t × (P2 + …))
    f.emit(op.get(x), op.get(t));
    horner(f, t, EXP_P);
    f.emit(op.mulF64, op.subF64, op.set(c));
    f.emit(op.get(k), op.eqz, op.if);
    // 1 − ((x × c) / (c − 2) − x)
    f.emit(op.constF64(1), op.get(x), op.get(c), op.mulF64, op.get(c), op.constF64(2), op.subF64, op.divF64);
    f.emit(op.get(x), op.subF64, op.subF64, op.br(1), op.end);
    // y = 1 − ((lo − (x × c) / (2 − c)) − hi)
    f.emit(op.constF64(1), op.get(lo), op.get(x), op.get(c), op.mulF64, op.constF64(2), op.get(c), op.subF64);
    f.emit(op.divF64, op.subF64, op.get(hi), op.subF64, op.subF64, op.set(y));
    f.emit(op.get(k), op.const32(-1021), op.geS, op.if);
    f.emit(op.get(k), op.const32(1024), op.eq, op.if);
    f.emit(op.get(y), op.constF64(2), op.mulF64, op.constF64(TWO_1023), op.mulF64, op.br(2), op.end);
    // y × 2^k
    f.emit(op.get(y), op.const32(0x3ff00000), op.get(k), op.const32(20), op.shl, op.add, fromHighWord);
    f.emit(op.mulF64, op.br(1), op.end);
    // y × 2^(k + 1000) × 2^-1000
    f.emit(op.get(y), op.const32(0x3ff00000), op.get(k), op.const32(1000), op.add, op.const32(20), op.shl);
    f.emit(op.add, fromHighWord, op.mulF64, op.constF64(TWO_M1000), op.mulF64);
    f.emit(op.end);
  }

  /** Emits code that pops an f64 and pushes its natural `log`, as fdlibm's `__ieee754_log`. */
  log(): void {
    const f = this.f;
    const { x, hx, k, hi: fraction, lo: s, t: z, c: r, y: dk } = this;
    // `sign` holds i, then i | j.
    const i = this.sign;
    f.emit(op.set(x), op.blockF64);
    f.emit(highWord(x), op.set(hx), op.const32(0), op.set(k));
    f.emit(op.get(hx), op.const32(0x00100000), op.ltS, op.if); // below 2^-1022: 0, subnormal, negative
    f.emit(op.get(x), op.constF64Zero, op.eqF64, op.if);
    f.emit(op.constF64(Number.NEGATIVE_INFINITY), op.br(2), op.end);
    f.emit(op.get(hx), op.const32(0), op.ltS, op.if, op.constF64(Number.NaN), op.br(2), op.end);
    f.emit(op.const32(-54), op.set(k), op.get(x), op.constF64(TWO_54), op.mulF64, op.set(x));
    f.emit(highWord(x), op.set(hx));
    f.emit(op.end);
    f.emit(op.get(hx), op.const32(0x7ff00000), op.geS, op.if);
    f.emit(op.get(x), op.get(x), op.addF64, op.br(1), op.end);
    f.emit(op.get(k), op.get(hx), op.const32(20), op.shrS, op.const32(1023), op.sub, op.add, op.set(k));
    f.emit(op.get(hx), op.const32(0x000fffff), op.and, op.set(hx));
    f.emit(op.get(hx), op.const32(0x95f64), op.add, op.const32(0x100000), op.and, op.set(i));
    // x = x with high word hx | (i ^ 0x3ff00000): x or x / 2, normalized to [√2/2, √2)
    f.emit(op.get(hx), op.get(i), op.const32(0x3ff00000), op.xor, op.or, op.extendI32U, op.const64(32));
    f.emit(op.shlI64, op.get(x), op.reinterpretF64, op.wrapI64, op.extendI32U, op.orI64, op.reinterpretI64);
    f.emit(op.set(x), op.get(k), op.get(i), op.const32(20), op.shrS, op.add, op.set(k));
    f.emit(op.get(x), op.constF64(1), op.subF64, op.set(fraction));
    f.emit(op.get(k), op.convertI32S, op.set(dk));
    f.emit(op.const32(0x000fffff), op.get(hx), op.const32(2), op.add, op.and, op.const32(3), op.ltS, op.if);
    // −2^-20 ≤ f < 2^-20
    f.emit(op.get(fraction), op.constF64Zero, op.eqF64, op.if);
    f.emit(op.constF64Zero, op.get(dk), op.constF64(LN2_HI), op.mulF64, op.get(dk), op.constF64(LN2_LO));
    f.emit(op.mulF64, op.addF64, op.get(k), op.eqz, op.select, op.br(2), op.end);
    // R = f × f × (0.5 − f / 3)
    f.emit(op.get(fraction), op.get(fraction), op.mulF64, op.constF64(0.5), op.constF64(THIRD));
    f.emit(op.get(fraction), op.mulF64, op.subF64, op.mulF64, op.set(r));
    f.emit(op.get(k), op.eqz, op.if, op.get(fraction), op.get(r), op.subF64, op.br(2), op.end);
    // dk × ln2_hi − ((R − dk × ln2_lo) − f)
    f.emit(op.get(dk), op.constF64(LN2_HI), op.mulF64, op.get(r), op.get(dk), op.constF64(LN2_LO), op.mulF64);
    f.emit(op.subF64, op.get(fraction), op.subF64, op.subF64, op.br(1), op.end);
    // s = f / (2 + f), z = s², w = z² (in `hi`'s place: x is free now)
    const w = x;
    f.emit(op.get(fraction), op.constF64(2), op.get(fraction), op.addF64, op.divF64, op.set(s));
    f.emit(op.get(s), op.get(s), op.mulF64, op.set(z), op.get(z), op.get(z), op.mulF64, op.set(w));
    // i = (hx − 0x6147a) | (0x6b851 − hx)
    f.emit(
      op.get(hx),
      op.const32(0x6147a),
      op.sub,
      op.const32(0x6b851),
      op.get(hx),
      op.sub,
      op.or,
      op.set(i),
    );
    // R = z × (Lg1 + w × (Lg3 + w × (Lg5 + w × Lg7))) + w × (Lg2 + w × (Lg4 + w × Lg6))
    f.emit(op.get(z));
    horner(f, w, [LG[0]!, LG[2]!, LG[4]!, LG[6]!]);
    f.emit(op.mulF64, op.get(w));
    horner(f, w, [LG[1]!, LG[3]!, LG[5]!]);
    f.emit(op.mulF64, op.addF64, op.set(r));
    const hfsq = z;
    f.emit(op.get(i), op.const32(0), op.gtS, op.if);
    f.emit(op.constF64(0.5), op.get(fraction), op.mulF64, op.get(fraction), op.mulF64, op.set(hfsq));
    f.emit(op.get(k), op.eqz, op.if);
    // f − (hfsq − s × (hfsq + R))
    f.emit(op.get(fraction), op.get(hfsq), op.get(s), op.get(hfsq), op.get(r), op.addF64, op.mulF64);
    f.emit(op.subF64, op.subF64, op.br(2), op.end);
    // dk × ln2_hi − ((hfsq − (s × (hfsq + R) + dk × ln2_lo)) − f)
    f.emit(op.get(dk), op.constF64(LN2_HI), op.mulF64, op.get(hfsq), op.get(s), op.get(hfsq), op.get(r));
    f.emit(op.addF64, op.mulF64, op.get(dk), op.constF64(LN2_LO), op.mulF64, op.addF64, op.subF64);
    f.emit(op.get(fraction), op.subF64, op.subF64, op.br(1), op.end);
    f.emit(op.get(k), op.eqz, op.if);
    // f − s × (f − R)
    f.emit(op.get(fraction), op.get(s), op.get(fraction), op.get(r), op.subF64, op.mulF64, op.subF64);
    f.emit(op.br(1), op.end);
    // dk × ln2_hi − ((s × (f − R) − dk × ln2_lo) − f)
    f.emit(op.get(dk), op.constF64(LN2_HI), op.mulF64, op.get(s), op.get(fraction), op.get(r), op.subF64);
    f.emit(op.mulF64, op.get(dk), op.constF64(LN2_LO), op.mulF64, op.subF64, op.get(fraction), op.subF64);
    f.emit(op.subF64, op.end);
  }
}

/** Eleven locals' indices. */
type ElevenLocals = [number, number, number, number, number, number, number, number, number, number, number];

/** The largest |x| {@link WasmMathF64x2.exp} takes: its 2^k is then a normal double. */
export const EXP_F64X2_LIMIT = 708;

/**
 * `exp` of two doubles at once (f64x2), the same doubles as {@link WasmMath.exp} for |x| < 708
 * (`EXP_F64X2_LIMIT`; the caller checks, and runs the scalar one for the others). Its branches
 * become lane selects: the three ranges of the reduction are one (k = 0 where |x| ≤ 0.5 ln 2,
 * ±1 below 1.5 ln 2, else trunc(x / ln 2 ± 0.5); x − k × ln2_hi is exact in all three), the two
 * final formulas share one division as (x × c) / (2 − c) is exactly −(x × c) / (c − 2), and the
 * ranges are read from |x| against doubles whose high words are fdlibm's bounds.
 */
export class WasmMathF64x2 {
  private readonly f: WasmFunction;
  /** The v128 locals `exp` and `log` work in (each names them its own way). */
  private readonly locals: ElevenLocals;

  constructor(f: WasmFunction) {
    this.f = f;
    this.locals = Array.from({ length: 11 }, () => f.local(V128)) as ElevenLocals;
  }

  /**
   * Emits code that pops an f64x2 of positive normal doubles and pushes its natural `log`, lane by
   * lane, the same doubles as {@link WasmMath.log}. Its branches become lane selects: with k = 0,
   * fdlibm's formulas for k ≠ 0 give the k = 0 ones exactly (0 − y is −y, y − 0 is y), its f = 0
   * case is its small-f formula at f = 0, and two of the three remaining formulas differ only in
   * one term.
   */
  log(): void {
    const f = this.f;
    const [bits, high, k, fraction, dk, s, z, w, r, small, hfsq] = this.locals;
    const lanes = (value: number) => op.constF64x2(value);
    const words = (value: number) => op.constI64x2(value);
    f.emit(op.set(bits), op.get(bits), op.const32(32), op.shrUI64x2, op.set(high));
    // k = (hx >> 20) − 1023; hx = its low 20 bits; i = (hx + 0x95f64) & 0x100000
    f.emit(op.get(high), op.const32(20), op.shrUI64x2, words(1023), op.subI64x2, op.set(k));
    f.emit(op.get(high), words(0xfffff), op.andV128, op.set(high));
    f.emit(op.get(high), words(0x95f64), op.addI64x2, words(0x100000), op.andV128, op.set(r));
    // x with high word hx | (i ^ 0x3ff00000): x or x / 2 in [√2/2, √2); f = x − 1
    f.emit(op.get(high), op.get(r), words(0x3ff00000), op.xorV128, op.orV128, op.const32(32), op.shlI64x2);
    f.emit(op.get(bits), words(0xffffffff), op.andV128, op.orV128, lanes(1), op.subF64x2, op.set(fraction));
    // k += i >> 20, dk = k as a double (from the bits of k + 1.5 × 2^52)
    f.emit(op.get(k), op.get(r), op.const32(20), op.shrUI64x2, op.addI64x2, lanes(MAGIC), op.addI64x2);
    f.emit(lanes(MAGIC), op.subF64x2, op.set(dk));
    // small: |f| < 2^-20, where (0xfffff & (2 + hx)) < 3
    f.emit(
      op.get(high),
      words(2),
      op.addI64x2,
      words(0xfffff),
      op.andV128,
      words(3),
      op.ltSI64x2,
      op.set(small),
    );
    // s = f / (2 + f), z = s², w = z², R = z × (Lg1 + w × (Lg3 + …)) + w × (Lg2 + w × (Lg4 + …))
    f.emit(op.get(fraction), lanes(2), op.get(fraction), op.addF64x2, op.divF64x2, op.set(s));
    f.emit(op.get(s), op.get(s), op.mulF64x2, op.set(z), op.get(z), op.get(z), op.mulF64x2, op.set(w));
    f.emit(op.get(z));
    horner(f, w, [LG[0]!, LG[2]!, LG[4]!, LG[6]!], LANES);
    f.emit(op.mulF64x2, op.get(w));
    horner(f, w, [LG[1]!, LG[3]!, LG[5]!], LANES);
    f.emit(op.mulF64x2, op.addF64x2, op.set(r));
    // (hx − 0x6147a) | (0x6b851 − hx) > 0 and not small: dk × ln2_hi − ((hfsq − (s × (hfsq + R)
    // + dk × ln2_lo)) − f), hfsq = 0.5 × f × f
    f.emit(lanes(0.5), op.get(fraction), op.mulF64x2, op.get(fraction), op.mulF64x2, op.set(hfsq));
    f.emit(op.get(dk), lanes(LN2_HI), op.mulF64x2, op.get(hfsq), op.get(s), op.get(hfsq), op.get(r));
    f.emit(op.addF64x2, op.mulF64x2, op.get(dk), lanes(LN2_LO), op.mulF64x2, op.addF64x2, op.subF64x2);
    f.emit(op.get(fraction), op.subF64x2, op.subF64x2);
    // else dk × ln2_hi − ((Y − dk × ln2_lo) − f), Y = f × f × (0.5 − f / 3) if small, s × (f − R)
    f.emit(op.get(dk), lanes(LN2_HI), op.mulF64x2);
    f.emit(op.get(fraction), op.get(fraction), op.mulF64x2, lanes(0.5), lanes(THIRD), op.get(fraction));
    f.emit(op.mulF64x2, op.subF64x2, op.mulF64x2);
    f.emit(op.get(s), op.get(fraction), op.get(r), op.subF64x2, op.mulF64x2, op.get(small), op.bitselect);
    f.emit(op.get(dk), lanes(LN2_LO), op.mulF64x2, op.subF64x2, op.get(fraction), op.subF64x2, op.subF64x2);
    f.emit(op.get(high), words(0x6147a), op.subI64x2, words(0x6b851), op.get(high), op.subI64x2, op.orV128);
    f.emit(words(0), op.gtSI64x2, op.get(small), op.andNotV128, op.bitselect);
  }

  /** Emits code that pops an f64x2 (|x| < 708 in both lanes) and pushes its `exp`, lane by lane. */
  exp(): void {
    const f = this.f;
    const [x, abs, t, hi, lo, reduced, square, c, q, scale, y] = this.locals;
    const lanes = (value: number) => op.constF64x2(value);
    f.emit(op.set(x), op.get(x), op.absF64x2, op.set(abs));
    // t = trunc(x / ln 2 ± 0.5) (|x| ≥ 1.5 ln 2), ±1 (above 0.5 ln 2), 0
    f.emit(lanes(INV_LN2), op.get(x), op.mulF64x2);
    f.emit(lanes(-0.5), lanes(0.5), op.get(x), op.constF64x2(0), op.ltF64x2, op.bitselect, op.addF64x2);
    f.emit(op.truncF64x2);
    f.emit(lanes(-1), lanes(1), op.get(x), op.constF64x2(0), op.ltF64x2, op.bitselect);
    f.emit(op.get(abs), lanes(double(0x3ff0a2b2, 0)), op.geF64x2, op.bitselect);
    f.emit(op.constF64x2(0), op.get(abs), lanes(double(0x3fd62e43, 0)), op.geF64x2, op.bitselect, op.set(t));
    // hi = x − t × ln2_hi, lo = t × ln2_lo, x = hi − lo
    f.emit(op.get(x), op.get(t), lanes(LN2_HI), op.mulF64x2, op.subF64x2, op.set(hi));
    f.emit(op.get(t), lanes(LN2_LO), op.mulF64x2, op.set(lo));
    f.emit(op.get(hi), op.get(lo), op.subF64x2, op.set(reduced));
    f.emit(op.get(reduced), op.get(reduced), op.mulF64x2, op.set(square));
    // c = x − t × (P1 + t × (P2 + …)), t the square
    f.emit(op.get(reduced), op.get(square));
    horner(f, square, EXP_P, LANES);
    f.emit(op.mulF64x2, op.subF64x2, op.set(c));
    // q = (x × c) / (c − 2)
    f.emit(op.get(reduced), op.get(c), op.mulF64x2, op.get(c), lanes(2), op.subF64x2, op.divF64x2, op.set(q));
    // 2^k: k from t's bits plus 1.5 × 2^52, then (k + 1023) << 52
    f.emit(op.get(t), lanes(MAGIC), op.addF64x2, lanes(MAGIC), op.subI64x2, op.constI64x2(1023), op.addI64x2);
    f.emit(op.const32(52), op.shlI64x2, op.set(scale));
    // 1 − (q − x) where k = 0; (1 − ((lo + q) − hi)) × 2^k elsewhere
    f.emit(lanes(1), op.get(q), op.get(reduced), op.subF64x2, op.subF64x2);
    f.emit(lanes(1), op.get(lo), op.get(q), op.addF64x2, op.get(hi), op.subF64x2, op.subF64x2);
    f.emit(op.get(scale), op.mulF64x2);
    f.emit(op.get(abs), lanes(double(0x3fd62e43, 0)), op.ltF64x2, op.bitselect, op.set(y));
    // |x| < 2^-28: 1 + x; x = 1: e
    f.emit(
      lanes(1),
      op.get(x),
      op.addF64x2,
      op.get(y),
      op.get(abs),
      lanes(2 ** -28),
      op.ltF64x2,
      op.bitselect,
    );
    f.emit(op.set(y), lanes(E), op.get(y), op.get(x), lanes(1), op.eqF64x2, op.bitselect);
  }
}

/**
 * `exp(x)` and `log(x)` (f64 → f64) as functions of their own, which a module that calls them
 * ({@link callExp}, {@link callLog}) has as its first two: code where they are not hot calls them
 * rather than having them inline.
 */
export function mathFunctions(): WasmFunction[] {
  return (["exp", "log"] as const).map((name) => {
    const f = new WasmFunction(name, [F64], F64);
    const math = new WasmMath(f);
    f.emit(op.get(0));
    math[name]();
    return f;
  });
}

/** Calls {@link mathFunctions}'s `exp` (function 0): pops x, pushes exp(x). */
export const callExp = op.call(0);
/** Calls {@link mathFunctions}'s `log` (function 1): pops x, pushes log(x). */
export const callLog = op.call(1);

/**
 * A module of `exp(x)` and `log(x)` (f64 → f64), and `expF64x2` and `logF64x2` (fromAt, toAt, pairs:
 * of `pairs` pairs of doubles, two at a time), on their own: the tests compare them with `Math`'s.
 */
export function mathModuleBytes(): Uint8Array {
  // expF64x2 / logF64x2(fromAt, toAt, pairs): of `pairs` pairs of doubles, two at a time.
  const pairwise = (["exp", "log"] as const).map((name) => {
    const pairs = new WasmFunction(`${name}F64x2`, 3);
    const math = new WasmMathF64x2(pairs);
    const pair = pairs.local(I32);
    pairs.forLoop(pair, op.const32(0), op.get(2), op.const32(1), () => {
      pairs.emit(op.get(1), op.get(pair), op.const32(4), op.shl, op.add);
      pairs.emit(op.get(0), op.get(pair), op.const32(4), op.shl, op.add, op.loadV128(0));
      math[name]();
      pairs.emit(op.storeV128(0));
    });
    return pairs;
  });
  return moduleBytes([...mathFunctions(), ...pairwise]);
}
