import { elementAt, F64, I32, op, WasmFunction } from "./wasm-emit.ts";
import { WasmMath } from "./wasm-math.ts";

/**
 * The MultiClass loss of three classes (the credit-score case) in WebAssembly: the kernel's
 * `softmax3Derivatives` and `lossSum`, with `exp` and `log` inline (wasm-math.ts), the same
 * operations in the same order, so the same doubles.
 *
 * - `softmax3(rawAt, targetAt, gradientAt, hessianAt, from, to)`: for rows [from, to), the
 *   gradients (3 per row) and the hessian's upper triangle (6 per row) from the raw outputs (f64,
 *   3 per row) and the labels (f64: 0, 1, 2); returns the rows' loss sum.
 * - `softmax3Loss(rawAt, targetAt, from, to)`: the rows' loss sum alone.
 * - `addLeaves(rawAt, leafOfAt, leafValuesAt, outputs, from, to)`: the update job's
 *   `raw += leafValues[leaf]` for rows [from, to), any number of outputs.
 */
const CLASSES = 3;

/**
 * Emits, for the row in local `row`: the largest raw output into `max`, then each class's
 * `exp(raw − max)` into `exps` and their sum into `sum` (as the kernel: ((e0 + e1) + e2)).
 */
function softmaxTerms(
  f: WasmFunction,
  math: WasmMath,
  rawAt: number,
  row: number,
  base: number,
  max: number,
  exps: number[],
  sum: number,
): void {
  f.emit(op.get(rawAt), op.get(row), op.const32(CLASSES * 8), op.mul, op.add, op.set(base));
  f.emit(op.constF64(Number.NEGATIVE_INFINITY));
  for (let k = 0; k < CLASSES; k++) f.emit(op.get(base), op.loadF64(8 * k), op.maxF64);
  f.emit(op.set(max));
  exps.forEach((e, k) => {
    f.emit(op.get(base), op.loadF64(8 * k), op.get(max), op.subF64);
    math.exp();
    f.emit(op.set(e));
  });
  f.emit(op.get(exps[0]!), op.get(exps[1]!), op.addF64, op.get(exps[2]!), op.addF64, op.set(sum));
}

/** Emits `total += max + log(sum) − raw[label]`, the label read from `targetAt` into `label`. */
function addRowLoss(
  f: WasmFunction,
  math: WasmMath,
  targetAt: number,
  row: number,
  base: number,
  max: number,
  sum: number,
  label: number,
  total: number,
): void {
  f.emit(elementAt(targetAt, row, 3), op.loadF64(0), op.truncF64S, op.set(label));
  f.emit(op.get(total), op.get(max), op.get(sum));
  math.log();
  f.emit(op.addF64, elementAt(base, label, 3), op.loadF64(0), op.subF64, op.addF64, op.set(total));
}

export function softmax3Function(): WasmFunction {
  const [rawAt, targetAt, gradientAt, hessianAt, from, to] = [0, 1, 2, 3, 4, 5];
  const f = new WasmFunction("softmax3", 6, F64);
  const math = new WasmMath(f);
  const [row, base, label, gradientRow, hessianRow] = Array.from({ length: 5 }, () =>
    f.local(I32),
  ) as number[];
  const [max, sum, total] = Array.from({ length: 3 }, () => f.local(F64)) as number[];
  const exps = Array.from({ length: CLASSES }, () => f.local(F64));
  const p = Array.from({ length: CLASSES }, () => f.local(F64));
  f.emit(op.constF64Zero, op.set(total!));
  f.forLoop(row!, op.get(from), op.get(to), op.const32(1), () => {
    softmaxTerms(f, math, rawAt, row!, base!, max!, exps, sum!);
    p.forEach((probability, k) => {
      f.emit(op.get(exps[k]!), op.get(sum!), op.divF64, op.set(probability));
    });
    // The hessian's upper triangle: p_a − p_a² on the diagonal, −p_a × p_b off it.
    f.emit(op.get(hessianAt), op.get(row!), op.const32(6 * 8), op.mul, op.add, op.set(hessianRow!));
    let entry = 0;
    for (let a = 0; a < CLASSES; a++)
      for (let b = a; b < CLASSES; b++) {
        f.emit(op.get(hessianRow!));
        if (a === b) f.emit(op.get(p[a]!), op.get(p[a]!), op.get(p[a]!), op.mulF64, op.subF64);
        else f.emit(op.get(p[a]!), op.negF64, op.get(p[b]!), op.mulF64);
        f.emit(op.storeF64At(8 * entry++));
      }
    addRowLoss(f, math, targetAt, row!, base!, max!, sum!, label!, total!);
    // gradient = p − (label === k ? 1 : 0)
    f.emit(op.get(gradientAt), op.get(row!), op.const32(CLASSES * 8), op.mul, op.add, op.set(gradientRow!));
    p.forEach((probability, k) => {
      f.emit(op.get(gradientRow!), op.get(probability), op.constF64(1), op.constF64Zero);
      f.emit(op.get(label!), op.const32(k), op.eq, op.select, op.subF64, op.storeF64At(8 * k));
    });
  });
  f.emit(op.get(total!));
  return f;
}

export function softmax3LossFunction(): WasmFunction {
  const [rawAt, targetAt, from, to] = [0, 1, 2, 3];
  const f = new WasmFunction("softmax3Loss", 4, F64);
  const math = new WasmMath(f);
  const [row, base, label] = Array.from({ length: 3 }, () => f.local(I32)) as number[];
  const [max, sum, total] = Array.from({ length: 3 }, () => f.local(F64)) as number[];
  const exps = Array.from({ length: CLASSES }, () => f.local(F64));
  f.emit(op.constF64Zero, op.set(total!));
  f.forLoop(row!, op.get(from), op.get(to), op.const32(1), () => {
    softmaxTerms(f, math, rawAt, row!, base!, max!, exps, sum!);
    addRowLoss(f, math, targetAt, row!, base!, max!, sum!, label!, total!);
  });
  f.emit(op.get(total!));
  return f;
}

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
