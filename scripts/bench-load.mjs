#!/usr/bin/env node
// Load benchmark (issue 6, item 10) — not a CI test. Through the built bins, as a user would:
//   1. seed a feature table of --rows rows (default 10,000,000) over --days days (`ct seed`, bulk load)
//   2. extract + preprocess the last day (the snapshot is the month up to it: ~32 days of rows)
//   3. `ct backfill --local --steps extract,preprocess` over the last --backfill_days days (default 30)
// and reports wall time and peak RSS per phase: the steps' own `--json` summaries give
// `peak_rss_mb` (process.resourceUsage().maxRSS); the backfill's is taken with GNU time (`%M`:
// the largest resident set of the process tree it waited for) when /usr/bin/time exists.
// Needs `pnpm build` and a MariaDB server. Prints a Markdown table (docs/reliability.md).
// Usage: pnpm bench:load [--rows N] [--days N] [--backfill_days N] [--url mysql://…/db] [--keep]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "10000000" },
    days: { type: "string", default: "300" },
    backfill_days: { type: "string", default: "30" },
    url: { type: "string", default: "mysql://root@127.0.0.1:3306/ct_bench_load" },
    keep: { type: "boolean", default: false },
  },
});
const rows = Number(values.rows);
const days = Number(values.days);
const backfillDays = Number(values.backfill_days);
for (const [name, value] of [
  ["rows", rows],
  ["days", days],
  ["backfill_days", backfillDays],
]) {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} ${value}: expected a positive integer`);
}
if (backfillDays > days) throw new Error("--backfill_days must not exceed --days");

const root = new URL("..", import.meta.url).pathname;
const bin = {
  ct: join(root, "packages/ct/dist/bin.js"),
  extract: join(root, "steps/extract/dist/bin.js"),
  preprocess: join(root, "steps/preprocess/dist/bin.js"),
};
for (const path of Object.values(bin))
  if (!existsSync(path)) throw new Error(`${path} missing: run pnpm build`);

const rowsPerDay = Math.ceil(rows / days);
const startDate = "2024-01-01";
const addDays = (date, n) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
const lastDay = addDays(startDate, days - 1);
const backfillFrom = addDays(lastDay, -(backfillDays - 1));
const work = mkdtempSync(join(tmpdir(), "ct-bench-load-"));
const env = {
  ...process.env,
  FEATURE_STORE_URL: values.url,
  ARTIFACTS_PATH: join(work, "artifacts"),
  CT_HOME: join(work, "home"),
};
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Runs one phase; returns wall seconds, the last JSON line of stdout and GNU time's max RSS. */
function phase(label, args, { timed = false } = {}) {
  const load = loadavg()[0];
  const command = timed && gnuTime ? gnuTime : process.execPath;
  const commandArgs = timed && gnuTime ? ["-f", "ct-bench-maxrss-kb %M", process.execPath, ...args] : args;
  const started = performance.now();
  const result = spawnSync(command, [...commandArgs, "--json"], {
    encoding: "utf8",
    env,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) {
    process.stderr.write(result.stderr.slice(-4000));
    throw new Error(`${label} failed with exit ${result.status}`);
  }
  const summary = JSON.parse(result.stdout.trim().split("\n").at(-1));
  const maxRssKb = /ct-bench-maxrss-kb (\d+)/.exec(result.stderr)?.[1];
  // GNU time's figure covers the whole tree (the runner and its step processes); the summary's
  // peak_rss_mb only the process that printed it.
  const rssMb = maxRssKb ? Math.round(Number(maxRssKb) / 1024) : summary.peak_rss_mb;
  console.error(
    `bench-load: ${label}: ${seconds.toFixed(1)} s, peak RSS ${rssMb ?? "?"} MB, load ${load.toFixed(1)}`,
  );
  return { label, seconds, rssMb, load, summary };
}

const results = [];
try {
  console.error(
    `bench-load: ${rows.toLocaleString("en")} feature rows (${days} days × ${rowsPerDay.toLocaleString("en")}), ` +
      `extract+preprocess ${lastDay}, backfill ${backfillFrom}…${lastDay}; ${cpus().length} CPUs, ` +
      `${Math.round(totalmem() / 2 ** 30)} GB; work folder ${work}`,
  );
  const seed = phase("seed", [
    bin.ct,
    "seed",
    "--reset",
    "--create_database",
    "--days",
    String(days),
    "--rows_per_day",
    String(rowsPerDay),
    "--start_date",
    startDate,
  ]);
  seed.detail = `${seed.summary.rows.credit_score_features.toLocaleString("en")} feature rows, ${seed.summary.rowsPerSecond.toLocaleString("en")} rows/s`;
  results.push(seed);
  const extract = phase("extract", [bin.extract, "--base_dt", lastDay]);
  extract.detail = `${extract.summary.insertedRows.toLocaleString("en")} snapshot rows`;
  results.push(extract);
  const preprocess = phase("preprocess", [bin.preprocess, "--base_dt", lastDay]);
  preprocess.detail = `${preprocess.summary.rows.train.toLocaleString("en")} train / ${preprocess.summary.rows.val.toLocaleString("en")} val rows`;
  results.push(preprocess);
  const backfill = phase(
    `backfill ${backfillDays} days (extract, preprocess)`,
    [bin.ct, "backfill", "--local", "--steps", "extract,preprocess", "--from", backfillFrom, "--to", lastDay],
    { timed: true },
  );
  backfill.detail = `${(backfill.seconds / backfillDays).toFixed(1)} s per date; RSS: ${gnuTime ? `largest process of the tree (GNU time), the runner itself ${backfill.summary.peak_rss_mb} MB` : "the runner only"}`;
  results.push(backfill);
} finally {
  if (!values.keep) {
    rmSync(work, { recursive: true, force: true });
    const require = createRequire(join(root, "packages/feature-store/package.json"));
    const mysql = require("mysql2/promise");
    const url = new URL(values.url);
    const connection = await mysql.createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username) || "root",
      password: decodeURIComponent(url.password),
    });
    await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(url.pathname.slice(1))}`);
    await connection.end();
  }
}

console.log(`| phase | wall time (s) | peak RSS (MB) | load before | |`);
console.log(`| --- | ---: | ---: | ---: | --- |`);
for (const r of results) {
  console.log(
    `| ${r.label} | ${r.seconds.toFixed(1)} | ${r.rssMb ?? "?"} | ${r.load.toFixed(1)} | ${r.detail} |`,
  );
}
