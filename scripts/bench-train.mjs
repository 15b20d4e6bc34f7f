#!/usr/bin/env node
// Benchmark of the train step, run through the built `ct` CLI as a user would: for each snapshot
// size, seeds synthetic data (45 days, as the demo), extracts and preprocesses 2025-02-14, then
// times `ct train` with the full default grid (27 configurations, 2000 iterations, early stopping
// 50) and reports wall time, peak RSS (worker threads included: one process) and the best model.
// Needs `pnpm build` and a MariaDB server; the database (default ct_bench_train) is reset.
// Usage: pnpm bench:train [--snapshot-rows 2600,100000] [--workers N] [--engine builtin]
//          [--url mysql://root@127.0.0.1:3306/ct_bench_train]
// Prints a Markdown table for docs/benchmarks.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    "snapshot-rows": { type: "string", default: "2600,100000" },
    url: { type: "string", default: "mysql://root@127.0.0.1:3306/ct_bench_train" },
    workers: { type: "string", default: String(availableParallelism()) },
    engine: { type: "string", default: "builtin" },
  },
});
const sizes = values["snapshot-rows"].split(",").map(Number);
const ctBin = new URL("../packages/ct/dist/bin.js", import.meta.url).pathname;
const baseDt = "2025-02-14";
const windowDays = 32; // the extract window [D − 1 month, D]

function ct(home, args) {
  const started = performance.now();
  const load = loadavg()[0];
  const result = spawnSync(process.execPath, [ctBin, ...args, "--json"], {
    encoding: "utf8",
    env: {
      ...process.env,
      FEATURE_STORE_URL: values.url,
      ARTIFACTS_PATH: join(home, "artifacts"),
      MODEL_STORE_PATH: join(home, "bentoml"),
      MLFLOW_TRACKING_URI: join(home, "mlruns"),
    },
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 26,
  });
  if (result.status !== 0) throw new Error(`ct ${args[0]} failed with exit ${result.status}`);
  return {
    seconds: (performance.now() - started) / 1000,
    load,
    summary: JSON.parse(result.stdout.trim().split("\n").at(-1)),
  };
}

const rows = [];
for (const size of sizes) {
  const home = mkdtempSync(join(tmpdir(), "ct-bench-train-"));
  try {
    const rowsPerDay = Math.ceil(size / windowDays);
    ct(home, ["seed", "--reset", "--create_database", "--days", "45", "--rows_per_day", String(rowsPerDay)]);
    ct(home, ["extract", "--base_dt", baseDt]);
    const pre = ct(home, ["preprocess", "--base_dt", baseDt]).summary;
    console.error(
      `bench: snapshot ${pre.rows.snapshot} rows (train ${pre.rows.train}, val ${pre.rows.val}); training…`,
    );
    const trained = ct(home, [
      "train",
      "--base_dt",
      baseDt,
      "--engine",
      values.engine,
      "--workers",
      values.workers,
    ]);
    const s = trained.summary;
    console.error(
      `bench: train ${trained.seconds.toFixed(1)} s, ${s.peak_rss_mb} MB, load before ${trained.load.toFixed(2)}`,
    );
    rows.push(
      `| ${pre.rows.snapshot.toLocaleString("en")} (${pre.rows.train.toLocaleString("en")} / ${pre.rows.val.toLocaleString("en")}) | ${s.configurations} | ${values.workers} | ${trained.seconds.toFixed(1)} | ${s.peak_rss_mb} | ${JSON.stringify(s.best.params ? pick(s.best.params) : {})} | ${s.best.bestIteration} | ${s.validationAccuracy.toFixed(4)} |`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function pick(params) {
  const { depth, rsm, l2_leaf_reg } = params;
  return { depth, rsm, l2_leaf_reg };
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(
  `\nct train, engine ${values.engine}, full default grid — ${cpus().length}× ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`,
);
console.log(
  "| snapshot rows (train / val) | configurations | workers | wall s | peak RSS MB | best grid params | best iteration | val accuracy |",
);
console.log("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
for (const row of rows) console.log(row);
