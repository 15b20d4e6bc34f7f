import { defineConfig } from "tsup";
import { gbdtBuildDefines } from "./src/build-defines.ts";

// A library build for scripts (the benchmark) that run outside vitest; steps bundle the source.
export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  clean: true,
  define: gbdtBuildDefines(),
});
