#!/usr/bin/env node
// Benchmark of the feature-store steps, run through the built `ct` CLI as a user would:
//   seed throughput (rows/s), then extract and preprocess wall time + peak RSS for a snapshot of
//   about SNAPSHOT_ROWS rows (default 1,000,000). Needs `pnpm build` and a MariaDB server.
// Usage: pnpm bench:feature-store [--snapshot-rows N] [--url mysql://root@127.0.0.1:3306/ct_bench]
//          [--steps seed,extract,preprocess] [--runs N] [--keep] [--preprocess-bin PATH]
//   --steps  which steps to run, in this order. Without `seed` the database must hold the data of
//            an earlier `--keep` run (same --snapshot-rows); without `extract` also its snapshot.
//            E.g. seed once: `--steps seed,extract --keep`, then `--steps preprocess --runs 5`.
//   --runs   repeats extract and preprocess N times (seed runs once) and reports min / median
//            wall time and the largest peak RSS, with the 1-minute load average before each run
//            (the machine may be shared).
//   --keep   keeps the artifacts folder and the database (a run without seed never drops it).
//   --preprocess-bin  times this single-step bin (e.g. steps/preprocess/dist/bin.js) instead of
//            `ct preprocess`.
// Prints a Markdown table for docs/benchmarks.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    "snapshot-rows": { type: "string", default: "1000000" },
    url: { type: "string", default: "mysql://root@127.0.0.1:3306/ct_bench" },
    steps: { type: "string", default: "seed,extract,preprocess" },
    runs: { type: "string", default: "1" },
    keep: { type: "boolean", default: false },
    "preprocess-bin": { type: "string" },
  },
});
const snapshotRows = Number(values["snapshot-rows"]);
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: expected an integer ≥ 1`);
const steps = values.steps.split(",").map((step) => step.trim());
for (const step of steps)
  if (!["seed", "extract", "preprocess"].includes(step)) throw new Error(`--steps: unknown step ${step}`);
const ctBin = new URL("../packages/ct/dist/bin.js", import.meta.url).pathname;
const preprocessBin = values["preprocess-bin"] ? resolve(values["preprocess-bin"]) : undefined;
const artifacts = mkdtempSync(join(tmpdir(), "ct-bench-"));
// The extract window is [D − 1 month, D]: 29–32 days of rows. 45 days are seeded, as in the demo.
const days = 45;
const baseDt = "2025-02-14";
const windowDays = 32; // 2025-01-14 … 2025-02-14 inclusive
const rowsPerDay = Math.ceil(snapshotRows / windowDays);

function run(label, bin, args) {
  const load = loadavg()[0];
  const started = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args, "--json"], {
    encoding: "utf8",
    env: { ...process.env, FEATURE_STORE_URL: values.url, ARTIFACTS_PATH: artifacts },
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${label} failed with exit ${result.status}`);
  const summary = JSON.parse(result.stdout.trim().split("\n").at(-1));
  console.error(
    `bench: ${label} ${seconds.toFixed(2)} s, ${summary.peak_rss_mb} MB, load ${load.toFixed(2)}`,
  );
  return { seconds, load, summary };
}

/** Runs a step `times` times: min and median wall time, largest peak RSS, the loads seen. */
function repeat(times, once) {
  const results = Array.from({ length: times }, once);
  const seconds = results.map((r) => r.seconds).sort((a, b) => a - b);
  return {
    summary: results.at(-1).summary,
    min: seconds[0],
    median: seconds[(seconds.length - 1) >> 1] / 2 + seconds[seconds.length >> 1] / 2,
    runs: times,
    rss: Math.max(...results.map((r) => r.summary.peak_rss_mb)),
    loads: results.map((r) => r.load.toFixed(1)).join("/"),
  };
}

const rows = [];
if (steps.includes("seed")) {
  const seed = run("seed", ctBin, [
    "seed",
    "--reset",
    "--create_database",
    "--days",
    String(days),
    "--rows_per_day",
    String(rowsPerDay),
    "--start_date",
    "2025-01-01",
  ]);
  const featureRows = seed.summary.rows.credit_score_features;
  rows.push([
    "seed (3 tables, LOAD DATA)",
    `${featureRows.toLocaleString("en")} feature rows (+ labels, customers)`,
    {
      min: seed.seconds,
      median: seed.seconds,
      runs: 1,
      rss: seed.summary.peak_rss_mb,
      loads: seed.load.toFixed(1),
    },
    `${Math.round(featureRows / seed.seconds).toLocaleString("en")} feature rows/s; ${Math.round((3 * featureRows) / seed.seconds).toLocaleString("en")} rows/s over the 3 tables`,
  ]);
}
if (steps.includes("extract")) {
  const extract = repeat(runs, () => run("extract", ctBin, ["extract", "--base_dt", baseDt]));
  rows.push([
    "extract",
    `${extract.summary.insertedRows.toLocaleString("en")} snapshot rows`,
    extract,
    "one transaction, server-side INSERT … SELECT",
  ]);
}
if (steps.includes("preprocess")) {
  const preprocess = repeat(runs, () =>
    preprocessBin
      ? run("preprocess", preprocessBin, ["--base_dt", baseDt])
      : run("preprocess", ctBin, ["preprocess", "--base_dt", baseDt]),
  );
  const counts = preprocess.summary.rows;
  rows.push([
    "preprocess",
    `${counts.snapshot.toLocaleString("en")} rows → ${counts.train.toLocaleString("en")} train / ${counts.val.toLocaleString("en")} val`,
    preprocess,
    "stream read, columnar, split, 17 scalers, 2 CSVs formatted on worker threads",
  ]);
}

console.log(
  `\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
console.log(
  `Command: pnpm bench:feature-store --snapshot-rows ${snapshotRows} --steps ${steps.join(",")} --runs ${runs}${preprocessBin ? ` --preprocess-bin ${values["preprocess-bin"]}` : ""}\n`,
);
console.log(
  "| step | data | wall time (s), min / median | runs | peak RSS (MB) | 1-min load before each run | notes |",
);
console.log("| --- | --- | ---: | ---: | ---: | --- | --- |");
for (const [step, data, t, notes] of rows)
  console.log(
    `| ${step} | ${data} | ${t.min.toFixed(1)} / ${t.median.toFixed(1)} | ${t.runs} | ${t.rss} | ${t.loads} | ${notes} |`,
  );
const benchDatabase = new URL(values.url).pathname.slice(1);
if (!/^[A-Za-z0-9_]+$/.test(benchDatabase))
  throw new Error(`refusing to drop database ${JSON.stringify(benchDatabase)}`);
if (values.keep) {
  console.error(`bench: kept ${artifacts} and database ${benchDatabase}`);
} else {
  rmSync(artifacts, { recursive: true, force: true });
  // Only a database this run seeded is dropped: without seed it holds an earlier run's data.
  if (steps.includes("seed"))
    spawnSync("mariadb", ["-h127.0.0.1", "-uroot", "-e", `DROP DATABASE IF EXISTS ${benchDatabase}`]);
}
