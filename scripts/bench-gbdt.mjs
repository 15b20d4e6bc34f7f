#!/usr/bin/env node
// Benchmark of ct's built-in engine against XGBoost (hist) and scikit-learn's
// HistGradientBoosting on the same data and validation split (the first 70 % learn, the rest
// validation), with matched settings: depth 8, learning rate 0.3, early stopping 50 rounds on the
// validation set, up to 2000 iterations, the same number of threads for every engine (--threads,
// 2 by default: ct's thread_count, XGBoost's n_jobs, OpenMP's for sklearn), the same numeric and categorical features (ct: CTRs / one-hot as CatBoost; XGBoost and
// sklearn: their native categorical support). Data: credit-score-like synthetic data at each size,
// then the real Kaggle August snapshot from ../shared (cleaned into the feature schema here).
// ct trains in a child process of its own so its peak RSS is its own.
// Peers run through Debian's python3 packages (benchmark-only; installed with apt when missing).
// Usage: pnpm bench:gbdt [--sizes 10000,100000,1000000] [--kaggle PATH | --kaggle ""] [--threads 2]
//        [--peers xgboost,sklearn | --peers ""] [--seeds 1] [--splits 1] [--repeat 1]
//        [--ct-params JSON] [--sklearn-leaves 31 | --sklearn-leaves none]
// --seeds N trains ct N times (random_seed 42 … 42 + N − 1) and shows the means; --splits N runs
// every engine on N data sets per size (data seeds 42 … 42 + N − 1: the synthetic data drawn
// again, the Kaggle rows shuffled again, so another learn/validation split) and shows the means
// and ct's accuracy difference to each peer, split by split; --repeat N fits every engine N times,
// taking turns, and shows each one's median time (this machine's speed drifts by tens of per
// cent); --ct-params adds or overrides ct's parameters; --sklearn-leaves sets sklearn's
// max_leaf_nodes (its default, 31, unless "none": then depth alone limits its trees, as it does
// ct's and XGBoost's).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { train } from "../packages/gbdt/dist/index.js";

// csv-parse as the training package uses it (the workspace root does not depend on it).
const { parse: parseCsv } = createRequire(new URL("../packages/training/package.json", import.meta.url))(
  "csv-parse/sync",
);

const { values, positionals } = parseArgs({
  options: {
    sizes: { type: "string", default: "10000,100000,1000000" },
    kaggle: {
      type: "string",
      default: fileURLToPath(
        new URL("../../shared/datasets/kaggle-credit-score-august/raw.csv", import.meta.url),
      ),
    },
    threads: { type: "string", default: "2" },
    seeds: { type: "string", default: "1" },
    splits: { type: "string", default: "1" },
    repeat: { type: "string", default: "1" },
    "ct-params": { type: "string", default: "{}" },
    peers: { type: "string", default: "xgboost,sklearn" },
    "ct-child": { type: "boolean", default: false },
    "sklearn-leaves": { type: "string", default: "31" },
  },
  allowPositionals: true,
});
const sizes = values.sizes.split(",").filter(Boolean).map(Number);
const threads = Number(values.threads);
// ct's random_seed: 42, or 42 … 42 + seeds − 1 (the table shows the mean; the peers are deterministic).
const seeds = Array.from({ length: Number(values.seeds) }, (_, at) => 42 + at);
// The data seeds: 42, or 42 … 42 + splits − 1 (each engine's row shows its mean over them).
const splitSeeds = Array.from({ length: Number(values.splits) }, (_, at) => 42 + at);
// Fits per engine and data set, taking turns; the table shows each engine's median time.
const repeat = Number(values.repeat);
const peers = values.peers.split(",").filter(Boolean);
if (
  values["sklearn-leaves"] !== "none" &&
  !(/^\d+$/.test(values["sklearn-leaves"]) && Number(values["sklearn-leaves"]) >= 2)
) {
  console.error(`--sklearn-leaves ${values["sklearn-leaves"]}: expected an integer ≥ 2, or "none"`);
  process.exit(2);
}
const python = "/usr/bin/python3";

if (
  !values["ct-child"] &&
  peers.length > 0 &&
  spawnSync(python, ["-c", "import pandas, sklearn, xgboost"]).status !== 0
) {
  console.error("installing python3-pandas python3-sklearn python3-xgboost (benchmark only)");
  execFileSync("apt-get", ["install", "-y", "-qq", "python3-pandas", "python3-sklearn", "python3-xgboost"], {
    stdio: "inherit",
  });
}

/** Credit-score-like data: 12 numeric features (3% missing), 3 categorical, a noisy latent score cut into 3 classes. */
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
  const occupations = [
    "Accountant",
    "Architect",
    "Developer",
    "Doctor",
    "Engineer",
    "Entrepreneur",
    "Journalist",
    "Lawyer",
    "Manager",
    "Mechanic",
    "Media_Manager",
    "Musician",
    "Scientist",
    "Teacher",
    "Writer",
  ];
  const features = Object.fromEntries(names.map((name) => [name, new Float64Array(rows)]));
  const categorical = { occupation: [], credit_mix: [], payment_of_min_amount: [] };
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
    // Occupation carries no signal; credit mix is a noisy view of the score; minimum payments of
    // the delays. 3% of each is missing ("").
    const mix = score + 0.8 * normal();
    categorical.occupation.push(next() < 0.03 ? "" : occupations[Math.floor(next() * occupations.length)]);
    categorical.credit_mix.push(next() < 0.03 ? "" : mix < -2.6 ? "Bad" : mix < -1.0 ? "Standard" : "Good");
    categorical.payment_of_min_amount.push(
      next() < 0.03 ? "" : next() < 0.1 ? "NM" : f.num_of_delayed_payment + 5 * normal() > 12 ? "Yes" : "No",
    );
  }
  return { names, features, categorical, labels };
}

/**
 * The Kaggle "credit score" August snapshot cleaned into the feature schema as the reference's
 * feature store holds it: stray underscores stripped, garbage and impossible values missing,
 * credit history age in months; rows shuffled with seed `seed` (one row per customer).
 */
function kaggle(path, seed) {
  const [header, ...records] = parseCsv(readFileSync(path, "utf8"));
  const column = (name) => header.indexOf(name);
  const number = (cell, min, max) => {
    const value = Number(cell.replace(/^_+|_+$/g, ""));
    return cell.trim() !== "" && Number.isFinite(value) && value >= min && value <= max ? value : Number.NaN;
  };
  const historyMonths = (cell) => {
    const match = /^(\d+) Years and (\d+) Months$/.exec(cell);
    return match ? Number(match[1]) * 12 + Number(match[2]) : Number.NaN;
  };
  const numeric = {
    age: (c) => number(c, 14, 100),
    annual_income: (c) => number(c, 0, 1e7),
    monthly_inhand_salary: (c) => number(c, 0, 1e6),
    num_bank_accounts: (c) => number(c, 0, 20),
    num_credit_card: (c) => number(c, 0, 20),
    interest_rate: (c) => number(c, 0, 40),
    num_of_loan: (c) => number(c, 0, 20),
    delay_from_due_date: (c) => number(c, -10, 100),
    num_of_delayed_payment: (c) => number(c, 0, 50),
    changed_credit_limit: (c) => number(c, -100, 100),
    num_credit_inquiries: (c) => number(c, 0, 50),
    outstanding_debt: (c) => number(c, 0, 1e6),
    credit_utilization_ratio: (c) => number(c, 0, 100),
    credit_history_age: historyMonths,
    total_emi_per_month: (c) => number(c, 0, 1e5),
    amount_invested_monthly: (c) => number(c, 0, 1e5),
    monthly_balance: (c) => number(c, -1e5, 1e6),
  };
  const source = (name) => column(header.find((h) => h.toLowerCase() === name));
  let state = seed;
  const order = records.map((_, row) => row);
  for (let at = order.length - 1; at > 0; at--) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const other = state % (at + 1);
    [order[at], order[other]] = [order[other], order[at]];
  }
  const shuffled = order.map((row) => records[row]);
  const names = Object.keys(numeric);
  const features = Object.fromEntries(
    names.map((name) => [name, Float64Array.from(shuffled, (record) => numeric[name](record[source(name)]))]),
  );
  const garbage = (cell) => (/^_+$/.test(cell) ? "" : cell);
  const categorical = Object.fromEntries(
    ["occupation", "credit_mix", "payment_of_min_amount"].map((name) => [
      name,
      shuffled.map((record) => garbage(record[source(name)])),
    ]),
  );
  return { names, features, categorical, labels: shuffled.map((record) => record[column("Credit_Score")]) };
}

const subset = (data, from, to) => ({
  features: Object.fromEntries(data.names.map((n) => [n, data.features[n].slice(from, to)])),
  categorical: Object.fromEntries(Object.entries(data.categorical).map(([n, v]) => [n, v.slice(from, to)])),
  labels: data.labels.slice(from, to),
});

const peerScript = String.raw`
import json, resource, sys, time
import numpy as np, pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
import xgboost as xgb
which, path, n_train, categorical, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5])
max_leaf_nodes = None if sys.argv[6] == "none" else int(sys.argv[6])
df = pd.read_csv(path, keep_default_na=False, na_values=[""])
y = df.pop("label").astype("category").cat.codes.to_numpy()
for name in categorical:
    df[name] = df[name].astype("category")
Xt, yt, Xv, yv = df.iloc[:n_train], y[:n_train], df.iloc[n_train:], y[n_train:]
start = time.perf_counter()
if which == "xgboost":
    model = xgb.XGBClassifier(tree_method="hist", max_depth=8, learning_rate=0.3, n_estimators=2000, early_stopping_rounds=50, n_jobs=threads, eval_metric="mlogloss", enable_categorical=True)
    model.fit(Xt, yt, eval_set=[(Xv, yv)], verbose=False)
    iterations = model.best_iteration + 1
    predicted = model.predict(Xv)
else:
    # sklearn 1.2 takes no external validation set: it draws its own with train_test_split. To stop
    # on the same validation rows as the others, its split is replaced by one that hands back the
    # rows as given (training rows first): its own early stopping on the validation loss, unchanged.
    import sklearn.ensemble._hist_gradient_boosting.gradient_boosting as hgb
    hgb.train_test_split = lambda X, y, **_: (X[:n_train], X[n_train:], y[:n_train], y[n_train:])
    codes = df.copy()
    for name in categorical:
        codes[name] = codes[name].cat.codes.replace(-1, np.nan)
    mask = [name in categorical for name in codes.columns]
    model = HistGradientBoostingClassifier(max_depth=8, max_leaf_nodes=max_leaf_nodes, learning_rate=0.3, max_iter=2000, early_stopping=True, n_iter_no_change=50, scoring="loss", validation_fraction=len(yv), random_state=42, categorical_features=mask or None)
    model.fit(codes, y)
    # Its best iteration (validation_score_[0] is before the first tree); it keeps every tree.
    iterations = int(np.argmax(model.validation_score_))
    predicted = model.predict(codes.iloc[n_train:])
seconds = time.perf_counter() - start
accuracy = float((predicted == yv).mean())
print(json.dumps({"seconds": seconds, "iterations": int(iterations), "accuracy": accuracy, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

const csvCell = (value) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/**
 * A data set by id: `synthetic:<rows>` (generated) or `kaggle:<path>` (cleaned, shuffled), with
 * `@<seed>` for a data seed other than 42.
 */
function makeDataset(id) {
  const at = id.lastIndexOf("@");
  const seed = at > id.indexOf(":") ? Number(id.slice(at + 1)) : 42;
  const name = at > id.indexOf(":") ? id.slice(0, at) : id;
  const [kind, arg] = [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)];
  return kind === "kaggle" ? kaggle(arg, seed) : generate(Number(arg), seed);
}

/**
 * Trains ct's engine in a child process of its own that builds the same data set in memory, so
 * its peak RSS is the engine's with its input, not the benchmark's.
 */
function trainCt(id, seed) {
  const params = JSON.stringify({ ...JSON.parse(values["ct-params"]), random_seed: seed });
  const out = execFileSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--ct-child", "--threads", String(threads), "--ct-params", params, id],
    {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    },
  );
  return JSON.parse(out.trim().split("\n").at(-1));
}

const mean = (numbers) => numbers.reduce((sum, x) => sum + x, 0) / numbers.length;
const sd = (numbers) => {
  const m = mean(numbers);
  return Math.sqrt(numbers.reduce((sum, x) => sum + (x - m) ** 2, 0) / (numbers.length - 1));
};
const median = (numbers) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Several fits as one table row: the means, and the largest peak RSS. */
const meanFit = (fits) => ({
  seconds: mean(fits.map((fit) => fit.seconds)),
  iterations: Math.round(mean(fits.map((fit) => fit.iterations))),
  accuracy: mean(fits.map((fit) => fit.accuracy)),
  rss_mb: Math.max(...fits.map((fit) => fit.rss_mb)),
});

/** ct's fits of one data set, one per seed: their mean (`meanFit`), and each fit. */
function trainCtSeeds(id) {
  const fits = seeds.map((seed) => trainCt(id, seed));
  return { ...meanFit(fits), fits };
}

if (values["ct-child"]) {
  const data = makeDataset(positionals[0]);
  const categorical = Object.keys(data.categorical);
  const nTrain = Math.round(data.labels.length * 0.7);
  const learn = subset(data, 0, nTrain);
  const valid = subset(data, nTrain, data.labels.length);
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
      thread_count: threads,
      cat_features: categorical,
      ...JSON.parse(values["ct-params"]),
    },
    { eval: valid },
  );
  const seconds = (performance.now() - started) / 1000;
  const predicted = result.model.predict({ features: valid.features, categorical: valid.categorical });
  const accuracy = predicted.filter((label, row) => label === valid.labels[row]).length / valid.labels.length;
  console.log(
    JSON.stringify({
      seconds,
      iterations: result.bestIteration + 1,
      accuracy,
      rss_mb: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

const datasets = sizes.map((size) => ({ name: size.toLocaleString("en"), id: `synthetic:${size}` }));
if (values.kaggle !== "") {
  if (existsSync(values.kaggle))
    datasets.push({ name: "Kaggle Aug. (12,500)", id: `kaggle:${values.kaggle}` });
  else
    console.error(
      `no ${values.kaggle}: skipping the Kaggle data set (--kaggle PATH, or --kaggle "" to skip)`,
    );
}

const dir = mkdtempSync(join(tmpdir(), "ct-bench-gbdt-"));
/** Every engine's fit of one data set (`id`): ct's per seed (`trainCtSeeds`), the peers' one each. */
function fitAll(id) {
  const data = makeDataset(id);
  const size = data.labels.length;
  const nTrain = Math.round(size * 0.7);
  const catNames = Object.keys(data.categorical);
  const header = [...data.names, ...catNames, "label"];
  const lines = [header.join(",")];
  for (let row = 0; row < size; row++)
    lines.push(
      [
        ...data.names.map((n) => (Number.isNaN(data.features[n][row]) ? "" : String(data.features[n][row]))),
        ...catNames.map((n) => csvCell(data.categorical[n][row])),
        data.labels[row],
      ].join(","),
    );
  const path = join(dir, "data.csv");
  writeFileSync(path, lines.join("\n"));
  const fitPeer = (which) => {
    const out = execFileSync(
      python,
      [
        "-c",
        peerScript,
        which,
        path,
        String(nTrain),
        JSON.stringify(catNames),
        String(threads),
        values["sklearn-leaves"],
      ],
      {
        encoding: "utf8",
        env: { ...process.env, OMP_NUM_THREADS: String(threads) },
      },
    );
    return JSON.parse(out.trim().split("\n").at(-1));
  };
  // --repeat: the engines take turns, so a slow phase of the machine hits them alike; each
  // engine's time is the median of its fits, its peak RSS the largest (the fits themselves are
  // the same every time).
  const runs = { ct: [], ...Object.fromEntries(peers.map((which) => [which, []])) };
  for (let turn = 0; turn < repeat; turn++) {
    runs.ct.push(trainCtSeeds(id));
    for (const which of peers) runs[which].push(fitPeer(which));
  }
  return Object.fromEntries(
    Object.entries(runs).map(([engine, fits]) => [
      engine,
      {
        ...fits[0],
        seconds: median(fits.map((fit) => fit.seconds)),
        rss_mb: Math.max(...fits.map((fit) => fit.rss_mb)),
        allSeconds: fits.map((fit) => fit.seconds),
      },
    ]),
  );
}

const rowsOut = [];
for (const dataset of datasets) {
  // Per split: every engine's fit; an engine's row shows its means over the splits.
  const splits = splitSeeds.map((seed) => fitAll(`${dataset.id}@${seed}`));
  const result = { dataset: dataset.name, splits };
  for (const engine of ["ct", ...peers]) {
    const fits = splits.map((split) => split[engine]);
    result[engine] = {
      ...meanFit(fits),
      ...(engine === "ct" ? { fits: fits.flatMap((fit) => fit.fits) } : {}),
    };
  }
  rowsOut.push(result);
  console.error(`done ${dataset.name}`);
}
rmSync(dir, { recursive: true, force: true });

console.log(
  `\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
console.log(
  `Command: pnpm bench:gbdt --sizes ${values.sizes}${values.kaggle === "" ? ' --kaggle ""' : ""} --threads ${threads} --peers ${values.peers || '""'}${seeds.length > 1 ? ` --seeds ${seeds.length}` : ""}${splitSeeds.length > 1 ? ` --splits ${splitSeeds.length}` : ""}${repeat > 1 ? ` --repeat ${repeat}` : ""}${values["ct-params"] !== "{}" ? ` --ct-params '${values["ct-params"]}'` : ""}${values["sklearn-leaves"] !== "31" ? ` --sklearn-leaves ${values["sklearn-leaves"]}` : ""}\n`,
);
console.log(
  "| data (rows) | engine | fit (s) | iterations | peak RSS (MB) | val accuracy | ct time ÷ engine time |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
const threadsLabel = `${threads} thread${threads === 1 ? "" : "s"}`;
for (const { dataset, ct, xgboost, sklearn } of rowsOut) {
  for (const [name, r] of [
    [`ct gbdt (${threadsLabel})`, ct],
    [`XGBoost hist (${threadsLabel})`, xgboost],
    [`sklearn HistGB (${threadsLabel})`, sklearn],
  ]) {
    if (!r) continue;
    console.log(
      `| ${dataset} | ${name} | ${r.seconds.toFixed(2)} | ${r.iterations} | ${Math.round(r.rss_mb)} | ${r.accuracy.toFixed(4)} | ${(ct.seconds / r.seconds).toFixed(2)} |`,
    );
  }
}
if (seeds.length > 1) {
  console.log(
    `\nct's rows are means over random_seed ${seeds[0]} … ${seeds.at(-1)}${splitSeeds.length > 1 ? " and the splits" : ""}; each fit (accuracy, iterations, seconds):`,
  );
  for (const { dataset, ct } of rowsOut) {
    const accuracies = ct.fits.map((fit) => fit.accuracy);
    console.log(
      `- ${dataset}: accuracy ${ct.accuracy.toFixed(4)} ± ${sd(accuracies).toFixed(4)} (sd), ${Math.min(...accuracies).toFixed(4)}–${Math.max(...accuracies).toFixed(4)}: ${ct.fits.map((fit) => `${fit.accuracy.toFixed(4)}/${fit.iterations}/${fit.seconds.toFixed(2)}`).join(", ")}`,
    );
  }
}
if (splitSeeds.length > 1) {
  console.log(
    `\nEvery row is a mean over ${splitSeeds.length} data seeds (${splitSeeds[0]} … ${splitSeeds.at(-1)}). Accuracy per engine (mean ± sd over the splits), and ct's minus each peer's, split by split (mean ± standard error):`,
  );
  for (const { dataset, splits } of rowsOut) {
    const accuracy = (engine) => splits.map((split) => split[engine].accuracy);
    const engines = ["ct", ...peers].map(
      (engine) => `${engine} ${mean(accuracy(engine)).toFixed(4)} ± ${sd(accuracy(engine)).toFixed(4)}`,
    );
    const differences = peers.map((peer) => {
      const points = splits.map((split) => 100 * (split.ct.accuracy - split[peer].accuracy));
      return `ct − ${peer} ${mean(points) >= 0 ? "+" : ""}${mean(points).toFixed(2)} ± ${(sd(points) / Math.sqrt(points.length)).toFixed(2)} points (${points.map((p) => p.toFixed(1)).join(", ")})`;
    });
    console.log(`- ${dataset}: ${[...engines, ...differences].join("; ")}`);
  }
}
if (repeat > 1) {
  console.log(`\nTimes are medians of ${repeat} fits per engine, taking turns; every fit (seconds):`);
  for (const { dataset, splits } of rowsOut)
    console.log(
      `- ${dataset}: ${["ct", ...peers]
        .map(
          (engine) =>
            `${engine} ${splits.flatMap((split) => split[engine].allSeconds.map((t) => t.toFixed(2))).join(", ")}`,
        )
        .join("; ")}`,
    );
}
