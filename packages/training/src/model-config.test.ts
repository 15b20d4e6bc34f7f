import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "@ct/step-kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_MODEL_CONFIG, expandGrid, loadModelConfig, parseModelConfig } from "./model-config.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ct-model-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("model config", () => {
  it("defaults to the reference's 27-configuration grid, last key fastest", () => {
    const grid = expandGrid(DEFAULT_MODEL_CONFIG.grid);
    expect(grid).toHaveLength(27);
    expect(grid[0]).toEqual({ index: 0, values: { depth: 7, rsm: 0.8, l2_leaf_reg: 3 } });
    expect(grid[1]?.values).toEqual({ depth: 7, rsm: 0.8, l2_leaf_reg: 5 });
    expect(grid[26]?.values).toEqual({ depth: 9, rsm: 1, l2_leaf_reg: 7 });
    expect(DEFAULT_MODEL_CONFIG.params).toMatchObject({
      loss_function: "MultiClassOneVsAll",
      learning_rate: 0.3,
      iterations: 2000,
      early_stopping_rounds: 50,
      random_seed: 42,
      custom_metric: ["F1", "Accuracy"],
    });
  });

  it("merges a YAML file over the defaults", async () => {
    const path = join(dir, "model.yaml");
    await writeFile(path, "target: label\ncategorical: [color]\ntext: []\ngrid:\n  depth: [4, 6]\n");
    const config = await loadModelConfig(path);
    expect(config.target).toBe("label");
    expect(config.categorical).toEqual(["color"]);
    expect(config.grid).toEqual({ depth: [4, 6] });
    expect(config.params).toBe(DEFAULT_MODEL_CONFIG.params);
    expect(config.drop).toEqual(DEFAULT_MODEL_CONFIG.drop);
  });

  it("names unknown keys, wrong types and conflicting roles", () => {
    expect(() => parseModelConfig({ grids: {} })).toThrow(/grids/);
    expect(() => parseModelConfig({ grid: { depth: [] } })).toThrow(/grid\.depth/);
    expect(() => parseModelConfig({ categorical: ["age"], text: ["age"] })).toThrow(
      /"age" is both categorical and text/,
    );
    expect(() => parseModelConfig({ grid: { depth: [6] }, params: { depth: 6 } })).toThrow(
      /"depth" is both in grid and params/,
    );
    expect(() => parseModelConfig({ target: 3 })).toThrow(UsageError);
  });

  it("fails clearly on a missing or malformed file", async () => {
    await expect(loadModelConfig(join(dir, "nope.yaml"))).rejects.toThrow(
      /cannot read model config .*ENOENT/,
    );
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, "grid: [unclosed\n");
    await expect(loadModelConfig(bad)).rejects.toThrow(/not valid YAML/);
  });
});
