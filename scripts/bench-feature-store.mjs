#!/usr/bin/env node
// Benchmark of the feature-store steps, run through the built `ct` CLI as a user would:
//   seed throughput (rows/s), then extract and preprocess wall time + peak RSS for a snapshot of
//   about SNAPSHOT_ROWS rows (default 1,000,000). Needs `pnpm build` and a MariaDB server.
// Usage: pnpm bench:feature-store [--snapshot-rows N] [--url mysql://root@127.0.0.1:3306/ct_bench]
// Prints a Markdown table for docs/benchmarks.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    "snapshot-rows": { type: "string", default: "1000000" },
    url: { type: "string", default: "mysql://root@127.0.0.1:3306/ct_bench" },
    keep: { type: "boolean", default: false },
  },
});
const snapshotRows = Number(values["snapshot-rows"]);
const bin = new URL("../packages/ct/dist/bin.js", import.meta.url).pathname;
const artifacts = mkdtempSync(join(tmpdir(), "ct-bench-"));
// The extract window is [D − 1 month, D]: 29–32 days of rows. 45 days are seeded, as in the demo.
const days = 45;
const baseDt = "2025-02-14";
const windowDays = 32; // 2025-01-14 … 2025-02-14 inclusive
const rowsPerDay = Math.ceil(snapshotRows / windowDays);

function ct(args) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [bin, ...args, "--json"], {
    encoding: "utf8",
    env: { ...process.env, FEATURE_STORE_URL: values.url, ARTIFACTS_PATH: artifacts },
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`ct ${args[0]} failed with exit ${result.status}`);
  return { seconds, summary: JSON.parse(result.stdout.trim().split("\n").at(-1)) };
}

const seed = ct([
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
const extract = ct(["extract", "--base_dt", baseDt]);
const preprocess = ct(["preprocess", "--base_dt", baseDt]);

const featureRows = seed.summary.rows.credit_score_features;
const rows = [
  [
    "seed (3 tables, LOAD DATA)",
    `${featureRows.toLocaleString("en")} feature rows (+ labels, customers)`,
    seed.seconds,
    seed.summary.peak_rss_mb,
    `${Math.round(featureRows / seed.seconds).toLocaleString("en")} feature rows/s; ${Math.round((3 * featureRows) / seed.seconds).toLocaleString("en")} rows/s over the 3 tables`,
  ],
  [
    "extract",
    `${extract.summary.insertedRows.toLocaleString("en")} snapshot rows`,
    extract.seconds,
    extract.summary.peak_rss_mb,
    "one transaction, server-side INSERT … SELECT",
  ],
  [
    "preprocess",
    `${preprocess.summary.rows.snapshot.toLocaleString("en")} rows → ${preprocess.summary.rows.train.toLocaleString("en")} train / ${preprocess.summary.rows.val.toLocaleString("en")} val`,
    preprocess.seconds,
    preprocess.summary.peak_rss_mb,
    "stream read, columnar, split, 17 scalers, 2 CSVs",
  ],
];

console.log(
  `\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
console.log(`Command: pnpm bench:feature-store --snapshot-rows ${snapshotRows}\n`);
console.log("| step | data | wall time (s) | peak RSS (MB) | notes |");
console.log("| --- | --- | ---: | ---: | --- |");
for (const [step, data, seconds, rss, notes] of rows)
  console.log(`| ${step} | ${data} | ${seconds.toFixed(1)} | ${rss} | ${notes} |`);
const benchDatabase = new URL(values.url).pathname.slice(1);
if (!/^[A-Za-z0-9_]+$/.test(benchDatabase))
  throw new Error(`refusing to drop database ${JSON.stringify(benchDatabase)}`);
if (!values.keep) {
  rmSync(artifacts, { recursive: true, force: true });
  spawnSync("mariadb", ["-h127.0.0.1", "-uroot", "-e", `DROP DATABASE IF EXISTS ${benchDatabase}`]);
}
