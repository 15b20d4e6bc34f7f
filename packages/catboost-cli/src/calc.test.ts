import { describe, expect, it } from "vitest";
import { buildCalcArgs, parseCalcOutput } from "./calc.ts";
import { CatboostOutputError } from "./errors.ts";

describe("buildCalcArgs", () => {
  it("builds the documented calc command (§7.5)", () => {
    expect(
      buildCalcArgs({
        modelFile: "model.bin",
        input: "test.tsv",
        cd: "data.cd",
        outputPath: "preds.tsv",
        outputColumns: ["SampleId", "Probability", "Class"],
      }),
    ).toEqual([
      "calc",
      "-m",
      "model.bin",
      "--input-path",
      "test.tsv",
      "--column-description",
      "data.cd",
      "--has-header",
      "--output-path",
      "preds.tsv",
      "--output-columns",
      "SampleId,Probability,Class",
    ]);
    expect(
      buildCalcArgs({
        modelFile: "m",
        input: "i",
        cd: "c",
        outputPath: "o",
        hasHeader: false,
        threadCount: 2,
      }),
    ).toEqual([
      "calc",
      "-m",
      "m",
      "--input-path",
      "i",
      "--column-description",
      "c",
      "--output-path",
      "o",
      "--output-columns",
      "SampleId,Probability",
      "--thread-count",
      "2",
    ]);
  });
});

/** `--output-columns SampleId,Probability,Class` for a 3-class MultiClassOneVsAll model (column_printer.cpp headers). */
const MULTICLASS = [
  "SampleId\tProbability:Class=Good\tProbability:Class=Poor\tProbability:Class=Standard\tClass",
  "0\t0.8121\t0.0513\t0.2001\tGood",
  "1\t0.1\t0.7\t0.3\tPoor",
  "2\t0.05\t0.2\t0.93\tStandard",
  "",
].join("\n");

describe("parseCalcOutput", () => {
  it("reads the probability of every class, in the output's order", () => {
    const out = parseCalcOutput(MULTICLASS);
    expect(out.classes).toEqual(["Good", "Poor", "Standard"]);
    expect(out.rows).toBe(3);
    expect(out.sampleIds).toEqual(["0", "1", "2"]);
    expect([...out.probabilities]).toEqual([0.8121, 0.0513, 0.2001, 0.1, 0.7, 0.3, 0.05, 0.2, 0.93]);
  });

  it("reorders the columns to the classes asked for and refuses a different class set", () => {
    const out = parseCalcOutput(MULTICLASS, ["Standard", "Good", "Poor"]);
    expect(out.classes).toEqual(["Standard", "Good", "Poor"]);
    expect([...out.probabilities.subarray(0, 3)]).toEqual([0.2001, 0.8121, 0.0513]);
    expect(() => parseCalcOutput(MULTICLASS, ["Good", "Poor"])).toThrow(/do not match/);
    expect(() => parseCalcOutput(MULTICLASS, ["Good", "Poor", "Standard", "Other"])).toThrow(
      CatboostOutputError,
    );
  });

  it("puts rows back in SampleId order and reads nan", () => {
    const out = parseCalcOutput(
      "SampleId\tProbability:Class=a\tProbability:Class=b\n1\t0.1\tnan\n0\t0.3\t0.4\n",
    );
    expect(out.sampleIds).toEqual(["0", "1"]);
    expect(out.probabilities[0]).toBe(0.3);
    expect(out.probabilities[2]).toBe(0.1);
    expect(out.probabilities[3]).toBeNaN();
  });

  it("expands a binary model's single Probability column with the class names", () => {
    const out = parseCalcOutput("SampleId\tProbability\n0\t0.25\n1\t0.9\n", ["no", "yes"]);
    expect([...out.probabilities]).toEqual([0.75, 0.25, 1 - 0.9, 0.9]);
    expect(() => parseCalcOutput("SampleId\tProbability\n0\t0.25\n")).toThrow(/binary model/);
  });

  it("rejects output without probabilities or with broken rows", () => {
    expect(() => parseCalcOutput("")).toThrow(/empty/);
    expect(() => parseCalcOutput("SampleId\tRawFormulaVal\n0\t1\n")).toThrow(/no Probability column/);
    expect(() => parseCalcOutput("Probability:Class=a\tProbability:Class=b\n0.1\n")).toThrow(
      /line 2 has 1 columns, expected 2/,
    );
    expect(() => parseCalcOutput("Probability:Class=a\n?\n")).toThrow(/not a number/);
  });
});
