import { describe, expect, it } from "vitest";
import { writeNewtonStep } from "./loss.ts";
import { kernel } from "./split-kernel.ts";

/** The Newton step's values in a new array. */
function newtonLeafValues(
  gradient: Float64Array,
  hessian: Float64Array,
  l2: number,
  scale: number,
): number[] {
  const values = new Array<number>(gradient.length).fill(0);
  writeNewtonStep(gradient, hessian, l2, scale, values, 0, new Float64Array(gradient.length ** 2));
  return values;
}

describe("writeNewtonStep", () => {
  it("divides by the Hessian plus λ per output when the Hessian is diagonal", () => {
    const values = newtonLeafValues(Float64Array.of(2, -4), Float64Array.of(1, 5), 3, -0.5);
    expect(values).toEqual([(-0.5 * 2) / 4, (-0.5 * -4) / 8]);
  });

  it("solves (H + λI)·x = scale·g for a full symmetric Hessian given by its upper triangle", () => {
    // H = [[4, 1, 0.5], [1, 3, -1], [0.5, -1, 2]], λ = 0.5.
    const upper = Float64Array.of(4, 1, 0.5, 3, -1, 2);
    const gradient = Float64Array.of(1, -2, 0.5);
    const x = newtonLeafValues(gradient, upper, 0.5, 2);
    const matrix = [
      [4.5, 1, 0.5],
      [1, 3.5, -1],
      [0.5, -1, 2.5],
    ];
    matrix.forEach((row, i) => {
      const product = row.reduce((sum, value, k) => sum + value * (x[k] as number), 0);
      expect(product).toBeCloseTo(2 * (gradient[i] as number), 12);
    });
  });

  it("keeps a singular softmax Hessian solvable when λ is 0 (λ raised to float epsilon × its largest diagonal entry)", () => {
    // diag(p) − p·pᵀ for p = (0.5, 0.3, 0.2) is singular (its rows sum to 0).
    const p = [0.5, 0.3, 0.2];
    const upper: number[] = [];
    for (let a = 0; a < 3; a++)
      for (let b = a; b < 3; b++)
        upper.push((a === b ? (p[a] as number) : 0) - (p[a] as number) * (p[b] as number));
    const x = newtonLeafValues(Float64Array.of(0.1, -0.05, -0.05), Float64Array.from(upper), 0, 1);
    expect(x.every(Number.isFinite)).toBe(true);
  });
});

describe("MultiClass derivatives", () => {
  // Raw outputs of four rows over three classes, one far out (softmax must not overflow).
  const raw = Float64Array.of(0.2, -1.3, 0.7, 3, 3, -2, -0.4, 0.1, 0.05, 800, -700, 1);
  const target = Float64Array.of(2, 0, 1, 0);
  const rows = target.length;

  it("gives p − y, the upper triangle of diag(p) − p·pᵀ and logsumexp(a) − a_y, the same doubles as the formulas in order", () => {
    const gradient = new Float64Array(rows * 3);
    const hessian = new Float64Array(rows * 6);
    const loss = kernel.derivatives(kernel.LOSS.MultiClass, raw, target, 3, gradient, hessian, 0, rows);
    let expectedLoss = 0;
    for (let row = 0; row < rows; row++) {
      const a = Array.from(raw.subarray(row * 3, row * 3 + 3));
      const max = Math.max(...a);
      const e = a.map((value) => Math.exp(value - max));
      const sum = e.reduce((total, value) => total + value, 0);
      const p = e.map((value) => value / sum);
      expect(Array.from(gradient.subarray(row * 3, row * 3 + 3))).toEqual(
        p.map((value, k) => value - (k === target[row] ? 1 : 0)),
      );
      const [p0, p1, p2] = p as [number, number, number];
      expect(Array.from(hessian.subarray(row * 6, row * 6 + 6))).toEqual([
        p0 - p0 * p0,
        -p0 * p1,
        -p0 * p2,
        p1 - p1 * p1,
        -p1 * p2,
        p2 - p2 * p2,
      ]);
      expectedLoss += max + Math.log(sum) - (a[target[row] as number] as number);
    }
    expect(loss).toBe(expectedLoss);
    expect(Number.isFinite(loss)).toBe(true);
  });

  it("sums the same loss terms as rowLoss, row by row", () => {
    let byRow = 0;
    for (let row = 0; row < rows; row++) byRow += kernel.rowLoss(kernel.LOSS.MultiClass, raw, target, 3, row);
    expect(kernel.lossSum(kernel.LOSS.MultiClass, raw, target, 3, 0, rows)).toBe(byRow);
  });
});
