import { readFileSync } from "node:fs";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

/** `import text from "./x.sql"` gives the file's text, as tsup's text loader does in bundles. */
const sqlAsText: Plugin = {
  name: "ct-sql-as-text",
  transform(_code, id) {
    if (!id.endsWith(".sql")) return null;
    return { code: `export default ${JSON.stringify(readFileSync(id, "utf8"))};`, map: null };
  },
};

export default defineConfig({
  plugins: [sqlAsText],
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration test files each use their own database; run files one at a time per package
    // to keep the 2-core CI machine responsive.
    fileParallelism: false,
  },
});
