#!/usr/bin/env node
// Benchmark of ct's built-in engine against XGBoost (hist) and scikit-learn's
// HistGradientBoosting on the same credit-score-like numeric data and validation split, with
// matched settings: depth 8, learning rate 0.3, early stopping 50 rounds on the validation set,
// up to 2000 iterations, 2 threads for the peers (ct's engine is single-threaded so far).
// Peers run through Debian's python3 packages (benchmark-only; installed with apt when missing).
// Usage: pnpm build && pnpm bench:gbdt [--sizes 10000,100000]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { train } from "../packages/gbdt/dist/index.js";

const { values } = parseArgs({ options: { sizes: { type: "string", default: "10000,100000" } } });
const sizes = values.sizes.split(",").map(Number);
const python = "/usr/bin/python3";

if (spawnSync(python, ["-c", "import sklearn, xgboost"]).status !== 0) {
  console.error("installing python3-sklearn python3-xgboost (benchmark only)");
  execFileSync("apt-get", ["install", "-y", "-qq", "python3-sklearn", "python3-xgboost"], {
    stdio: "inherit",
  });
}

/** Credit-score-like numeric data: 12 features, a noisy latent score cut into 3 classes. */
function generate(rows, seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const names = [
    "age",
    "annual_income",
    "num_bank_accounts",
    "num_credit_card",
    "interest_rate",
    "num_of_loan",
    "delay_from_due_date",
    "num_of_delayed_payment",
    "num_credit_inquiries",
    "outstanding_debt",
    "credit_history_age",
    "monthly_balance",
  ];
  const features = Object.fromEntries(names.map((name) => [name, new Float64Array(rows)]));
  const labels = [];
  for (let row = 0; row < rows; row++) {
    const f = Object.fromEntries(names.map((name) => [name, 0]));
    f.age = 18 + Math.floor(next() * 40);
    f.annual_income = Math.exp(9.5 + 0.8 * normal());
    f.num_bank_accounts = Math.floor(next() * 11);
    f.num_credit_card = Math.floor(next() * 11);
    f.interest_rate = 1 + Math.floor(next() * 33);
    f.num_of_loan = Math.floor(next() * 7);
    f.delay_from_due_date = Math.floor(-5 + next() * 60);
    f.num_of_delayed_payment = Math.floor(next() * 25);
    f.num_credit_inquiries = Math.floor(next() * 15);
    f.outstanding_debt = 5000 * next() ** 1.5;
    f.credit_history_age = Math.floor(next() * 400);
    f.monthly_balance = f.annual_income / 12 - 200 * f.num_of_loan + 300 * normal();
    const score =
      -0.04 * f.delay_from_due_date -
      0.06 * f.num_of_delayed_payment -
      0.0004 * f.outstanding_debt -
      0.05 * f.interest_rate -
      0.08 * f.num_credit_inquiries +
      0.004 * f.credit_history_age +
      (f.num_bank_accounts + f.num_credit_card > 13 ? -0.8 : 0) +
      0.6 * normal();
    labels.push(score < -2.6 ? "Poor" : score < -1.0 ? "Standard" : "Good");
    for (const name of names) features[name][row] = next() < 0.03 ? Number.NaN : f[name];
  }
  return { names, features, labels };
}

const subset = (data, from, to) => ({
  features: Object.fromEntries(data.names.map((n) => [n, data.features[n].slice(from, to)])),
  labels: data.labels.slice(from, to),
});

const peerScript = String.raw`
import json, resource, sys, time
import numpy as np, pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
import xgboost as xgb
which, path, n_train = sys.argv[1], sys.argv[2], int(sys.argv[3])
df = pd.read_csv(path)
y = df.pop("label").astype("category").cat.codes.to_numpy()
X = df.to_numpy(dtype=float)
Xt, yt, Xv, yv = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
start = time.perf_counter()
if which == "xgboost":
    model = xgb.XGBClassifier(tree_method="hist", max_depth=8, learning_rate=0.3, n_estimators=2000, early_stopping_rounds=50, n_jobs=2, eval_metric="mlogloss")
    model.fit(Xt, yt, eval_set=[(Xv, yv)], verbose=False)
    iterations = model.best_iteration + 1
else:
    model = HistGradientBoostingClassifier(max_depth=8, learning_rate=0.3, max_iter=2000, early_stopping=True, n_iter_no_change=50, validation_fraction=None, random_state=42)
    # sklearn 1.2 cannot take an external validation set: it validates on the training loss.
    model.fit(Xt, yt)
    iterations = model.n_iter_
seconds = time.perf_counter() - start
accuracy = float((model.predict(Xv) == yv).mean())
print(json.dumps({"seconds": seconds, "iterations": int(iterations), "accuracy": accuracy, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

const dir = mkdtempSync(join(tmpdir(), "ct-bench-gbdt-"));
const rowsOut = [];
for (const size of sizes) {
  const data = generate(size, 42);
  const nTrain = Math.round(size * 0.7);
  const learn = subset(data, 0, nTrain);
  const valid = subset(data, nTrain, size);
  const csv = [
    `${data.names.join(",")},label`,
    ...data.labels.map(
      (label, row) =>
        `${data.names.map((n) => (Number.isNaN(data.features[n][row]) ? "" : data.features[n][row])).join(",")},${label}`,
    ),
  ].join("\n");
  const path = join(dir, `data-${size}.csv`);
  writeFileSync(path, csv);
  const started = performance.now();
  const result = train(
    learn,
    {
      iterations: 2000,
      depth: 8,
      learning_rate: 0.3,
      od_wait: 50,
      loss_function: "MultiClass",
      random_seed: 42,
    },
    { eval: valid },
  );
  const seconds = (performance.now() - started) / 1000;
  const predicted = result.model.predict(valid.features);
  const accuracy = predicted.filter((label, row) => label === valid.labels[row]).length / valid.labels.length;
  const ct = {
    seconds,
    iterations: result.bestIteration + 1,
    accuracy,
    rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  const peers = {};
  for (const which of ["xgboost", "sklearn"]) {
    const out = execFileSync(python, ["-c", peerScript, which, path, String(nTrain)], {
      encoding: "utf8",
      env: { ...process.env, OMP_NUM_THREADS: "2" },
    });
    peers[which] = JSON.parse(out.trim().split("\n").at(-1));
  }
  rowsOut.push({ size, ct, ...peers });
  console.error(`done ${size}`);
}
rmSync(dir, { recursive: true, force: true });

console.log(
  `\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
console.log(`Command: pnpm bench:gbdt --sizes ${values.sizes}\n`);
console.log(
  "| rows | engine | fit (s) | iterations | peak RSS (MB) | val accuracy | ct time ÷ engine time |",
);
console.log("| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
for (const { size, ct, xgboost, sklearn } of rowsOut) {
  for (const [name, r] of [
    ["ct gbdt (1 thread)", ct],
    ["XGBoost hist (2 threads)", xgboost],
    ["sklearn HistGB", sklearn],
  ]) {
    console.log(
      `| ${size.toLocaleString("en")} | ${name} | ${r.seconds.toFixed(2)} | ${r.iterations} | ${Math.round(r.rss_mb)} | ${r.accuracy.toFixed(4)} | ${(ct.seconds / r.seconds).toFixed(2)} |`,
    );
  }
}
