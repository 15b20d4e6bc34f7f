import { describe, expect, it } from "vitest";
import { gbdtBuildDefines } from "./build-defines.ts";
import { histogramModuleBytes } from "./histogram-wasm.ts";

describe("gbdtBuildDefines", () => {
  it("carries the histogram module's bytes, base64, as a JavaScript string literal", () => {
    const literal = gbdtBuildDefines().__CT_GBDT_HISTOGRAM_WASM__ as string;
    const bytes = new Uint8Array(Buffer.from(JSON.parse(literal) as string, "base64"));
    expect(bytes).toEqual(histogramModuleBytes());
    expect(WebAssembly.validate(bytes)).toBe(true);
  });
});
