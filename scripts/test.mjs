#!/usr/bin/env node
// The README's test command: lint, typecheck and build everything, then run every package's
// tests in one vitest run and close with a plain "N passed, N failed, N skipped" line.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const run = (command, args) => spawnSync(command, args, { stdio: "inherit" }).status ?? 1;
const report = "test-results/vitest.json";

for (const [command, args] of [
  ["pnpm", ["exec", "biome", "check", "."]],
  ["pnpm", ["exec", "turbo", "run", "typecheck", "build", "--output-logs=errors-only"]],
]) {
  const status = run(command, args);
  if (status !== 0) process.exit(status);
}

rmSync(report, { force: true });
const status = run("pnpm", ["exec", "vitest", "run", ...process.argv.slice(2)]);
if (existsSync(report)) {
  const results = JSON.parse(readFileSync(report, "utf8"));
  const skipped = results.numPendingTests + results.numTodoTests;
  console.log(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
}
process.exit(status);
