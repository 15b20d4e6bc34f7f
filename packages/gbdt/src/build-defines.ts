import { histogramModuleBytes } from "./histogram-wasm.ts";

/**
 * What a build (tsup's `define`) puts into the engine: the histogram module's bytes, base64,
 * written here at build time instead of at the start of every fit (histogram-wasm.ts). For the
 * engine's own build and every step that bundles it (tsup.shared.ts).
 */
export function gbdtBuildDefines(): Record<string, string> {
  return {
    __CT_GBDT_HISTOGRAM_WASM__: JSON.stringify(Buffer.from(histogramModuleBytes()).toString("base64")),
  };
}
