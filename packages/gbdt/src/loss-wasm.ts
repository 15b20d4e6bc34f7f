import { elementAt, F64, I32, op, V128, WasmFunction } from "./wasm-emit.ts";
import { callExp, callLog, EXP_F64X2_LIMIT, WasmMathF64x2 } from "./wasm-math.ts";

/**
 * The MultiClass loss of three classes (the credit-score case) in WebAssembly: the kernel's
 * `softmax3Derivatives` and `lossSum`, with fdlibm's `exp` and `log` (wasm-math.ts), the same
 * operations in the same order, so the same doubles. A module with these has wasm-math.ts's
 * `mathFunctions` first.
 *
 * - `softmax3(rawAt, targetAt, gradientAt, hessianAt, from, to)`: for rows [from, to), the
 *   gradients (3 per row) and the hessian's upper triangle (6 per row) from the raw outputs (f64,
 *   3 per row) and the labels (f64: 0, 1, 2); returns the rows' loss sum.
 * - `softmax3Loss(rawAt, targetAt, from, to)`: the rows' loss sum alone.
 * - `addLeaves(rawAt, leafOfAt, leafValuesAt, outputs, from, to)`: the update job's
 *   `raw += leafValues[leaf]` for rows [from, to), any number of outputs.
 */
const CLASSES = 3;
/** Bytes of one row's raw outputs (and gradients), and of its Hessian's upper triangle. */
const ROW_BYTES = CLASSES * 8;
const HESSIAN_BYTES = ((CLASSES * (CLASSES + 1)) / 2) * 8;

/**
 * Emits, for the row in local `row`: the largest raw output into `max`, then each class's
 * `exp(raw − max)` into `exps` and their sum into `sum` (as the kernel: ((e0 + e1) + e2)).
 */
function softmaxTerms(
  f: WasmFunction,
  rawAt: number,
  row: number,
  base: number,
  max: number,
  exps: number[],
  sum: number,
): void {
  f.emit(op.get(rawAt), op.get(row), op.const32(ROW_BYTES), op.mul, op.add, op.set(base));
  f.emit(op.constF64(Number.NEGATIVE_INFINITY));
  for (let k = 0; k < CLASSES; k++) f.emit(op.get(base), op.loadF64(8 * k), op.maxF64);
  f.emit(op.set(max));
  exps.forEach((e, k) => {
    f.emit(op.get(base), op.loadF64(8 * k), op.get(max), op.subF64, callExp, op.set(e));
  });
  f.emit(op.get(exps[0]!), op.get(exps[1]!), op.addF64, op.get(exps[2]!), op.addF64, op.set(sum));
}

/** Emits `total += max + log(sum) − raw[label]`, the label read from `targetAt` into `label`. */
function addRowLoss(
  f: WasmFunction,
  targetAt: number,
  row: number,
  base: number,
  max: number,
  sum: number,
  label: number,
  total: number,
): void {
  f.emit(elementAt(targetAt, row, 3), op.loadF64(0), op.truncF64S, op.set(label));
  f.emit(op.get(total), op.get(max), op.get(sum), callLog);
  f.emit(op.addF64, elementAt(base, label, 3), op.loadF64(0), op.subF64, op.addF64, op.set(total));
}

/**
 * `softmax3` (`derivatives`) or `softmax3Loss`. Rows go two at a time, one per f64x2 lane, with
 * {@link WasmMathF64x2}'s exp and log, where every raw output of both is within 708 of its row's
 * largest; the scalar code runs a row otherwise (and a last odd one). The loss sum adds the rows in
 * row order either way.
 */
function softmaxFunction(derivatives: boolean): WasmFunction {
  const names = derivatives
    ? (["rawAt", "targetAt", "gradientAt", "hessianAt", "from", "to"] as const)
    : (["rawAt", "targetAt", "from", "to"] as const);
  const f = new WasmFunction(derivatives ? "softmax3" : "softmax3Loss", names.length, F64);
  const at = (name: string) => (names as readonly string[]).indexOf(name);
  const [rawAt, targetAt, gradientAt, hessianAt, from, to] = [
    at("rawAt"),
    at("targetAt"),
    at("gradientAt"),
    at("hessianAt"),
    at("from"),
    at("to"),
  ];
  const pairMath = new WasmMathF64x2(f);
  const [row, next, base, label, gradientRow, hessianRow, pairable] = Array.from({ length: 7 }, () =>
    f.local(I32),
  ) as number[];
  const [max, sum, total] = Array.from({ length: 3 }, () => f.local(F64)) as number[];
  const exps = Array.from({ length: CLASSES }, () => f.local(F64));
  const p = Array.from({ length: CLASSES }, () => f.local(F64));
  // Two rows' values per class, their largest, sum and labels.
  const pairs = Array.from({ length: CLASSES }, () => f.local(V128));
  const pairP = Array.from({ length: CLASSES }, () => f.local(V128));
  const [loaded0, loaded1, loaded2, pairMax, pairSum, labels] = Array.from({ length: 6 }, () =>
    f.local(V128),
  ) as number[];

  /** The kernel's loop body for the row in local `r`. */
  const scalarRow = (r: number) => {
    softmaxTerms(f, rawAt, r, base!, max!, exps, sum!);
    if (derivatives) {
      p.forEach((probability, k) => {
        f.emit(op.get(exps[k]!), op.get(sum!), op.divF64, op.set(probability));
      });
      // The hessian's upper triangle: p_a − p_a² on the diagonal, −p_a × p_b off it.
      f.emit(op.get(hessianAt), op.get(r), op.const32(HESSIAN_BYTES), op.mul, op.add, op.set(hessianRow!));
      let entry = 0;
      for (let a = 0; a < CLASSES; a++)
        for (let b = a; b < CLASSES; b++) {
          f.emit(op.get(hessianRow!));
          if (a === b) f.emit(op.get(p[a]!), op.get(p[a]!), op.get(p[a]!), op.mulF64, op.subF64);
          else f.emit(op.get(p[a]!), op.negF64, op.get(p[b]!), op.mulF64);
          f.emit(op.storeF64At(8 * entry++));
        }
    }
    addRowLoss(f, targetAt, r, base!, max!, sum!, label!, total!);
    if (derivatives) {
      // gradient = p − (label === k ? 1 : 0)
      f.emit(op.get(gradientAt), op.get(r), op.const32(ROW_BYTES), op.mul, op.add, op.set(gradientRow!));
      p.forEach((probability, k) => {
        f.emit(op.get(gradientRow!), op.get(probability), op.constF64(1), op.constF64Zero);
        f.emit(op.get(label!), op.const32(k), op.eq, op.select, op.subF64, op.storeF64At(8 * k));
      });
    }
  };

  /**
   * Rows `row` and `row` + 1 in the lanes of f64x2 values: each class's raw outputs less their
   * row's largest, and whether the vector exp takes them all (`pairable`).
   */
  const pairTerms = () => {
    // Class k of both rows: (row's, next row's) from the six doubles at base.
    f.emit(op.get(rawAt), op.get(row!), op.const32(ROW_BYTES), op.mul, op.add, op.set(base!));
    [loaded0, loaded1, loaded2].forEach((loaded, index) => {
      f.emit(op.get(base!), op.loadV128(16 * index), op.set(loaded!));
    });
    const low = [0, 1, 2, 3, 4, 5, 6, 7];
    const high = low.map((byte) => byte + 8);
    const pairOf = (a: number, aLane: number[], b: number, bLane: number[]) =>
      f.emit(op.get(a), op.get(b), op.shuffle([...aLane, ...bLane.map((byte) => byte + 16)]));
    pairOf(loaded0!, low, loaded1!, high);
    f.emit(op.set(pairs[0]!));
    pairOf(loaded0!, high, loaded2!, low);
    f.emit(op.set(pairs[1]!));
    pairOf(loaded1!, low, loaded2!, high);
    f.emit(op.set(pairs[2]!));
    f.emit(op.constF64x2(Number.NEGATIVE_INFINITY));
    for (const pair of pairs) f.emit(op.get(pair), op.maxF64x2);
    f.emit(op.set(pairMax!));
    // x = raw − max, in place; both rows in the vector exp's range?
    for (const pair of pairs) f.emit(op.get(pair), op.get(pairMax!), op.subF64x2, op.set(pair));
    pairs.forEach((pair, k) => {
      f.emit(op.get(pair), op.absF64x2, op.constF64x2(EXP_F64X2_LIMIT), op.ltF64x2);
      if (k > 0) f.emit(op.andV128);
    });
    f.emit(op.allTrueI64x2, op.set(pairable!));
  };

  /** The rest of rows `row` and `row` + 1, after {@link pairTerms} found them `pairable`. */
  const pairRows = () => {
    for (const pair of pairs) {
      f.emit(op.get(pair));
      pairMath.exp();
      f.emit(op.set(pair));
    }
    f.emit(
      op.get(pairs[0]!),
      op.get(pairs[1]!),
      op.addF64x2,
      op.get(pairs[2]!),
      op.addF64x2,
      op.set(pairSum!),
    );
    if (derivatives) {
      pairP.forEach((probability, k) => {
        f.emit(op.get(pairs[k]!), op.get(pairSum!), op.divF64x2, op.set(probability));
      });
      f.emit(op.get(hessianAt), op.get(row!), op.const32(HESSIAN_BYTES), op.mul, op.add, op.set(hessianRow!));
      let entry = 0;
      for (let a = 0; a < CLASSES; a++)
        for (let b = a; b < CLASSES; b++) {
          const value = () =>
            a === b
              ? f.emit(op.get(pairP[a]!), op.get(pairP[a]!), op.get(pairP[a]!), op.mulF64x2, op.subF64x2)
              : f.emit(op.get(pairP[a]!), op.negF64x2, op.get(pairP[b]!), op.mulF64x2);
          for (const lane of [0, 1]) {
            f.emit(op.get(hessianRow!));
            value();
            f.emit(op.store64Lane(HESSIAN_BYTES * lane + 8 * entry, lane));
          }
          entry++;
        }
      // gradient = p − (label === k ? 1 : 0), both rows' labels at once
      f.emit(elementAt(targetAt, row!, 3), op.loadV128(0), op.set(labels!));
      f.emit(op.get(gradientAt), op.get(row!), op.const32(ROW_BYTES), op.mul, op.add, op.set(gradientRow!));
      pairP.forEach((probability, k) => {
        for (const lane of [0, 1]) {
          f.emit(op.get(gradientRow!), op.get(probability), op.constF64x2(1), op.constF64x2(0));
          f.emit(op.get(labels!), op.constF64x2(k), op.eqF64x2, op.bitselect, op.subF64x2);
          f.emit(op.store64Lane(ROW_BYTES * lane + 8 * k, lane));
        }
      });
    }
    // total += max + log(sum) − raw[label], the first row then the second (each sum is in [1, 3])
    f.emit(op.get(pairMax!), op.get(pairSum!));
    pairMath.log();
    f.emit(op.addF64x2, op.set(pairSum!));
    for (const lane of [0, 1]) {
      f.emit(op.get(row!), op.const32(lane), op.add, op.set(next!));
      f.emit(elementAt(targetAt, next!, 3), op.loadF64(0), op.truncF64S, op.set(label!));
      f.emit(op.get(total!), op.get(pairSum!), op.extractLaneF64x2(lane));
      f.emit(op.get(base!), op.get(label!), op.const32(3), op.shl, op.add);
      f.emit(op.loadF64(ROW_BYTES * lane), op.subF64, op.addF64, op.set(total!));
    }
  };

  f.emit(op.constF64Zero, op.set(total!), op.get(from), op.set(row!));
  // while (row < to): two rows where there are two the vector code takes, else one
  f.emit(op.block, op.loop);
  f.emit(op.get(row!), op.get(to), op.geU, op.brIf(1));
  f.emit(op.const32(0), op.set(pairable!), op.get(row!), op.const32(1), op.add, op.get(to), op.ltU, op.if);
  pairTerms();
  f.emit(op.end, op.get(pairable!), op.if);
  pairRows();
  f.emit(op.get(row!), op.const32(2), op.add, op.set(row!), op.else);
  scalarRow(row!);
  f.emit(op.get(row!), op.const32(1), op.add, op.set(row!), op.end, op.br(0), op.end, op.end);
  f.emit(op.get(total!));
  return f;
}

export const softmax3Function = (): WasmFunction => softmaxFunction(true);
export const softmax3LossFunction = (): WasmFunction => softmaxFunction(false);

export function addLeavesFunction(): WasmFunction {
  const [rawAt, leafOfAt, leafValuesAt, outputs, from, to] = [0, 1, 2, 3, 4, 5];
  const f = new WasmFunction("addLeaves", 6);
  const [row, k, rawCell, leafCell] = Array.from({ length: 4 }, () => f.local(I32)) as number[];
  f.forLoop(row!, op.get(from), op.get(to), op.const32(1), () => {
    f.emit(
      op.get(rawAt),
      op.get(row!),
      op.get(outputs),
      op.mul,
      op.const32(3),
      op.shl,
      op.add,
      op.set(rawCell!),
    );
    f.emit(elementAt(leafOfAt, row!, 2), op.load32(0), op.get(outputs), op.mul, op.const32(3), op.shl);
    f.emit(op.get(leafValuesAt), op.add, op.set(leafCell!));
    f.forLoop(k!, op.const32(0), op.get(outputs), op.const32(1), () => {
      f.emit(op.get(rawCell!), op.get(rawCell!), op.loadF64(0), op.get(leafCell!), op.loadF64(0), op.addF64);
      f.emit(op.storeF64);
      f.emit(op.get(rawCell!), op.const32(8), op.add, op.set(rawCell!));
      f.emit(op.get(leafCell!), op.const32(8), op.add, op.set(leafCell!));
    });
  });
  return f;
}
