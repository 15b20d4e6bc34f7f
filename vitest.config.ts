import { defineConfig } from "vitest/config";

// One run over every package (`pnpm test`); each package keeps its own vitest.config.ts so
// `pnpm turbo run test` and `vitest` inside a package work too.
export default defineConfig({
  test: {
    projects: ["packages/*", "steps/*"],
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
  },
});
