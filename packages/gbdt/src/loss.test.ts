import { describe, expect, it } from "vitest";
import { newtonLeafValues } from "./loss.ts";

describe("newtonLeafValues", () => {
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
