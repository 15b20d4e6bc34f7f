// Hostile input for seed, extract and preprocess: arguments built to escape the artifacts folder or
// inject SQL, and data at the edges (all-NULL rows, extreme and negative values, non-UTF-8 bytes,
// huge text, a CSV cut mid-row). Each is either refused with one clear line (exit 2 for
// arguments, 1 for bad data) with no file written and no SQL effect, or handled correctly.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { referenceFixture } from "@ct/fixtures";
import { parseBaseDt, parseModelName } from "@ct/step-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bins,
  createFaultDatabase,
  createTempDir,
  csvRecords,
  databaseFingerprint,
  extractDates,
  type FaultDatabase,
  listTree,
  loadReferenceDatabase,
  runBin,
  type TempDir,
} from "../test-support/index.ts";

let db: FaultDatabase;
let root: TempDir; // <root>/artifacts is the artifacts folder; nothing may appear beside it
let artifacts: string;

beforeAll(async () => {
  db = await createFaultDatabase("hostile");
  await loadReferenceDatabase(db.store.pool);
  await extractDates(db.store, ["2025-02-10"]);
  root = createTempDir("hostile");
  artifacts = join(root.path, "artifacts", "nested");
  mkdirSync(artifacts, { recursive: true });
});
afterAll(async () => {
  root?.remove();
  await db?.drop();
});

const env = (): Record<string, string> => ({ FEATURE_STORE_URL: db.url, ARTIFACTS_PATH: artifacts });

/** Runs each command at most `parallel` at a time (Node start-up dominates these runs). */
async function runAll<T>(
  items: readonly T[],
  parallel: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
    }),
  );
}

describe("arguments built to escape paths or inject SQL", () => {
  const badModelNames = [
    "../../etc",
    "../../../escape",
    "/tmp/absolute",
    "a/b",
    "..",
    ".hidden",
    "x;DROP TABLE credit_score_features",
    "Upper",
    "a".repeat(64),
    "line\nbreak",
  ];
  const badBaseDts = [
    "2025-02-10' OR 1=1 --",
    "2025-02-10; DROP TABLE credit_score_features_target; --",
    "../../etc",
    "/etc/passwd",
    "2025-02-30",
    "2025-02-10\n",
    "２０２５-02-10",
  ];

  it("refuses each with exit 2 and one line, writes nothing anywhere, changes nothing in the database", async () => {
    const before = await databaseFingerprint(db.store);
    const cases = [
      ...badModelNames.map((value) => ({
        bin: bins.preprocess,
        args: ["--model_name", value, "--base_dt", "2025-02-10"],
        message: `ct-preprocess: error: invalid model_name ${JSON.stringify(value)}`,
      })),
      ...badModelNames.slice(0, 3).map((value) => ({
        bin: bins.extract,
        args: ["--model-name", value, "--base_dt", "2025-02-10"],
        message: `ct-extract: error: invalid model_name ${JSON.stringify(value)}`,
      })),
      ...badBaseDts.map((value) => ({
        bin: bins.extract,
        args: ["--base_dt", value],
        message: `ct-extract: error: invalid base_dt ${JSON.stringify(value)}`,
      })),
      ...badBaseDts.slice(0, 4).map((value) => ({
        bin: bins.preprocess,
        args: ["--base-dt", value],
        message: `ct-preprocess: error: invalid base_dt ${JSON.stringify(value)}`,
      })),
      ...badBaseDts.slice(0, 2).map((value) => ({
        bin: bins.ct,
        args: ["seed", "--start_date", value, "--days", "1"],
        message: `ct: error: invalid --start_date ${JSON.stringify(value)}`,
      })),
    ];
    await runAll(cases, 3, async ({ bin, args, message }) => {
      const result = await runBin(bin, args, env());
      expect(result.code, `${args.join(" ")}\n${result.stderr}`).toBe(2);
      expect(result.stderr.split("\n").filter(Boolean), args.join(" ")).toHaveLength(1);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe("");
    });
    expect(listTree(root.path)).toEqual(["artifacts", "artifacts/nested"]);
    expect(await databaseFingerprint(db.store)).toEqual(before);
  });

  it("cannot even pass a NUL byte: the OS refuses it in argv, and the validators refuse it anyway", () => {
    const spawned = (() => {
      try {
        spawnSync(process.execPath, [bins.extract, "--model_name", "a\0b"]);
        return "spawned";
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      }
    })();
    expect(spawned).toBe("ERR_INVALID_ARG_VALUE");
    expect(() => parseModelName("a\0b")).toThrow(/invalid model_name/);
    expect(() => parseModelName("..\0/etc")).toThrow(/invalid model_name/);
    expect(() => parseBaseDt("2025-02-10\0' OR 1=1")).toThrow(/invalid base_dt/);
  });
});

describe("ct seed --csv_dir with hostile files", () => {
  const header = readFileSync(referenceFixture.sourceCsv.creditScoreFeatures, "utf8").split(
    "\r\n",
  )[0] as string;
  const columns = header.split(",");
  /** A features row for a new id, `\N` everywhere but `values`. */
  const row = (values: Record<string, string | Buffer>): Buffer =>
    Buffer.concat(
      columns.flatMap((column, index) => {
        const value =
          values[column] ?? { id: "99001", customer_id: "1", date: "2025-02-10" }[column] ?? "\\N";
        return [Buffer.from(index > 0 ? "," : ""), Buffer.isBuffer(value) ? value : Buffer.from(value)];
      }),
    );

  it.each([
    [
      "a file cut mid-row",
      (file: Buffer) => file.subarray(0, file.indexOf('"', file.length >> 1) + 8),
      /is malformed \(truncated\?\): (Quote Not Closed|Invalid Record Length: expect 27, got \d+ on line \d+)/,
    ],
    [
      "non-UTF-8 bytes in a text column",
      (file: Buffer) =>
        Buffer.concat([
          file,
          row({ occupation: Buffer.from([0x43, 0x61, 0x66, 0xe9, 0xff]) }),
          Buffer.from("\r\n"),
        ]),
      /is not valid UTF-8/,
    ],
    [
      "age 1e308 (beyond FLOAT)",
      (file: Buffer) => Buffer.concat([file, row({ age: "1e308" }), Buffer.from("\r\n")]),
      /was rejected: Out of range value for column 'age'/,
    ],
    [
      "annual_income -1e308",
      (file: Buffer) => Buffer.concat([file, row({ annual_income: "-1e308" }), Buffer.from("\r\n")]),
      /was rejected: Out of range value for column 'annual_income'/,
    ],
    [
      "a 100 KB text field",
      (file: Buffer) =>
        Buffer.concat([file, row({ type_of_loan: `"${"Loan, ".repeat(17_000)}"` }), Buffer.from("\r\n")]),
      /was rejected: Data too long for column 'type_of_loan'/,
    ],
  ])("%s: one line, exit 1, nothing loaded", async (_name, corrupt, message) => {
    const directory = join(root.path, `csv-${Math.random().toString(36).slice(2)}`);
    mkdirSync(directory);
    copyFileSync(referenceFixture.sourceCsv.customerInfo, join(directory, "customer_info.csv"));
    copyFileSync(referenceFixture.sourceCsv.creditScore, join(directory, "credit_score.csv"));
    writeFileSync(
      join(directory, "credit_score_features.csv"),
      corrupt(readFileSync(referenceFixture.sourceCsv.creditScoreFeatures)),
    );
    const before = await databaseFingerprint(db.store);
    const result = await runBin(bins.ct, ["seed", "--csv_dir", directory], env());
    expect(result.code, result.stderr).toBe(1);
    const errors = result.stderr.split("\n").filter((line) => line.startsWith("ct: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^ct: error: seed CSV ".*credit_score_features\.csv" /);
    expect(errors[0]).toMatch(message);
    expect(errors[0]).toMatch(/nothing was loaded$/);
    expect(result.stderr).not.toContain("internal error");
    // The first two files were fine and loaded in the same transaction: rolled back with it.
    expect(await databaseFingerprint(db.store)).toEqual(before);
  });
});

describe("extreme rows in the feature store", () => {
  const longText = `"Auto Loan", 'x'; DROP TABLE t; --\n${"é,".repeat(32_000)}`.slice(0, 65_535 / 2);
  const rows: Record<string, unknown>[] = [
    { id: "h_null", age: null, occupation: null, annual_income: null }, // every feature NULL
    { id: "h_max", age: 3.4e38, annual_income: -3.4e38, monthly_balance: 1e-38 },
    { id: "h_neg", age: -5, num_bank_accounts: -1 },
    { id: "h_text", type_of_loan: longText, occupation: "Café ☕ 𝔘" },
  ];

  beforeAll(async () => {
    for (const values of rows) {
      const key = { id: values.id, customer_id: "9", date: "2025-02-11" };
      await db.store.pool.query("INSERT INTO credit_score_features SET ?", [{ ...values, ...key }]);
      await db.store.pool.query("INSERT INTO credit_score SET ?", [{ ...key, credit_score: "Good" }]);
    }
  });

  it("the server refuses what it cannot store: ±1e308 in FLOAT, invalid UTF-8, text over 64 KB", async () => {
    const key = { customer_id: "9", date: "2025-02-11" };
    const attempts = [
      [{ id: "r1", age: 1e308 }, /Out of range value for column 'age'/],
      [{ id: "r2", annual_income: -1e308 }, /Out of range value for column 'annual_income'/],
      [{ id: "r3", occupation: Buffer.from([0x43, 0xe9, 0xff]) }, /Incorrect string value/],
      [{ id: "r4", type_of_loan: "x".repeat(100_000) }, /Data too long for column 'type_of_loan'/],
    ] as const;
    for (const [values, message] of attempts) {
      await expect(
        db.store.pool.query("INSERT INTO credit_score_features SET ?", [{ ...values, ...key }]),
      ).rejects.toThrow(message);
    }
  });

  it("extract and preprocess handle them: NULLs stay empty, extremes scale to finite numbers, text round-trips", async () => {
    const extract = await runBin(bins.extract, ["--base_dt", "2025-02-12", "--json"], env());
    expect(extract.code, extract.stderr).toBe(0);
    const preprocess = await runBin(
      bins.preprocess,
      ["--model_name", "hostile", "--base_dt", "2025-02-12", "--json"],
      env(),
    );
    expect(preprocess.code, preprocess.stderr).toBe(0);
    const directory = join(artifacts, "preprocessing", "hostile", "2025-02-12");
    const records = [
      ...csvRecords(readFileSync(join(directory, "hostile_train.csv"), "utf8")),
      ...csvRecords(readFileSync(join(directory, "hostile_val.csv"), "utf8")),
    ];
    const byId = new Map(records.map((record) => [record.id, record]));
    const scaler = JSON.parse(readFileSync(join(directory, "encoders", "robust_scaler.json"), "utf8")) as {
      features: Record<string, { center: number; scale: number }>;
    };
    for (const [feature, { center, scale }] of Object.entries(scaler.features)) {
      expect(Number.isFinite(center) && Number.isFinite(scale) && scale > 0, feature).toBe(true);
    }
    const scaled = (feature: string, value: number): number => {
      const parameters = scaler.features[feature] as { center: number; scale: number };
      return (value - parameters.center) / parameters.scale;
    };
    const nullRow = byId.get("h_null");
    expect(nullRow?.age).toBe("");
    expect(nullRow?.occupation).toBe("");
    expect(nullRow?.monthly_balance).toBe("");
    expect(nullRow?.credit_score).toBe("Good");
    const maxRow = byId.get("h_max");
    // FLOAT travels as the server prints it (3.4e38) and is scaled as a double: finite.
    expect(Number(maxRow?.age)).toBe(scaled("age", 3.4e38));
    expect(Number(maxRow?.annual_income)).toBe(scaled("annual_income", -3.4e38));
    expect(Number.isFinite(Number(maxRow?.age))).toBe(true);
    expect(Number(byId.get("h_neg")?.age)).toBe(scaled("age", -5)); // negative ages are data, not errors
    expect(byId.get("h_text")?.type_of_loan).toBe(longText); // quotes, commas, newline, SQL: just text
    expect(byId.get("h_text")?.occupation).toBe("Café ☕ 𝔘");
    // Only the artifacts folder (and this test's seed CSV folders) in the test's root.
    expect(
      listTree(root.path).filter((path) => !/^(artifacts\/nested(\/|$)|artifacts$|csv-)/.test(path)),
    ).toEqual([]);
  });
});
