import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { pythonJson, quoteYamlString, toYaml } from "./yaml-text.ts";

const read11 = (text: string): unknown => parse(text, { version: "1.1" });

describe("toYaml", () => {
  it("quotes every string so YAML 1.1 readers keep it a string", () => {
    const tricky = [
      "yes",
      "no",
      "on",
      "off",
      "null",
      "~",
      "0123",
      "0x1A",
      "12:30",
      "1_000",
      ".inf",
      "2025-01-01",
      "",
      "a: b",
      "- x",
      "#c",
    ];
    for (const value of tricky) {
      expect(read11(toYaml({ v: value }))).toEqual({ v: value });
    }
  });

  it("escapes quotes, backslashes, control and non-ASCII characters, output stays ASCII", () => {
    const value = 'q"b\\s\nt\té😀\u007f\u0085';
    const text = toYaml({ v: value });
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
    expect(read11(text)).toEqual({ v: value });
    expect(quoteYamlString("é")).toBe('"\\u00e9"');
  });

  it("sorts keys, writes ints, null, bools, empty list/map and nested blocks", () => {
    const text = toYaml({
      b: 1,
      a: null,
      c: true,
      d: [],
      e: {},
      f: { y: "1", x: [1, { k: "v" }] },
      g: undefined,
    });
    expect(text).toBe(
      [
        "a: null",
        "b: 1",
        "c: true",
        "d: []",
        "e: {}",
        "f:",
        "  x:",
        "    - 1",
        '    - k: "v"',
        '  "y": "1"',
        "",
      ].join("\n"),
    );
    expect(read11(text)).toEqual({ a: null, b: 1, c: true, d: [], e: {}, f: { x: [1, { k: "v" }], y: "1" } });
    expect(toYaml({ b: 1, a: 2 }, { sortKeys: false })).toBe("b: 1\na: 2\n");
  });

  it("writes floats PyYAML reads as floats", () => {
    expect(read11(toYaml({ a: 0.5, b: 1e-7, c: Number.NaN, d: Number.NEGATIVE_INFINITY }))).toEqual({
      a: 0.5,
      b: 1e-7,
      c: Number.NaN,
      d: Number.NEGATIVE_INFINITY,
    });
    expect(toYaml({ b: 1e-7 })).toBe("b: 1.0e-7\n");
  });

  it("quotes keys that are not plain identifiers or are YAML 1.1 words", () => {
    expect(read11(toYaml({ yes: 1, "a b": 2, "tensor-spec": 3 }))).toEqual({
      yes: 1,
      "a b": 2,
      "tensor-spec": 3,
    });
  });
});

describe("pythonJson", () => {
  it("formats like json.dumps defaults", () => {
    expect(pythonJson([{ type: "double", name: "é", required: true }])).toBe(
      '[{"type": "double", "name": "\\u00e9", "required": true}]',
    );
    expect(JSON.parse(pythonJson({ a: [1, null, "x"] }))).toEqual({ a: [1, null, "x"] });
  });
});
