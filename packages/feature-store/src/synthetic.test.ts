import { describe, expect, it } from "vitest";
import {
  generateSyntheticRows,
  SYNTHETIC_CLASSES,
  type SyntheticOptions,
  type SyntheticRow,
} from "./synthetic.ts";
import { CREDIT_SCORE_COLUMNS, CREDIT_SCORE_FEATURES_COLUMNS, CUSTOMER_INFO_COLUMNS } from "./tables.ts";

const BASE: SyntheticOptions = { startDate: "2025-01-01", days: 20, rowsPerDay: 500, seed: 42 };

function generate(options: SyntheticOptions): SyntheticRow[] {
  return [...generateSyntheticRows(options)];
}

const rows = generate(BASE);
const column = (name: (typeof CREDIT_SCORE_FEATURES_COLUMNS)[number]) => {
  const index = CREDIT_SCORE_FEATURES_COLUMNS.indexOf(name);
  return rows.map((row) => row.features[index] ?? null);
};
const numbers = (name: (typeof CREDIT_SCORE_FEATURES_COLUMNS)[number]) =>
  column(name).filter((value): value is number => value !== null);
const labels = rows.map((row) => row.creditScore[3]);

/** NULL rates of the reference fixture (credit_score_features.csv, 1,072 rows). */
const FIXTURE_NULL_RATES = {
  age: 0.027,
  occupation: 0.091,
  monthly_inhand_salary: 0.106,
  num_of_delayed_payment: 0.072,
  changed_credit_limit: 0.019,
  num_credit_inquiries: 0.021,
  credit_history_age: 0.079,
  amount_invested_monthly: 0.052,
  monthly_balance: 0.022,
  type_of_loan: 0.055,
} as const;

describe("generateSyntheticRows", () => {
  it("is deterministic: same options, same rows; another seed, other rows", () => {
    const small = { ...BASE, days: 3, rowsPerDay: 50 };
    expect(generate(small)).toEqual(generate(small));
    expect(generate({ ...small, seed: 43 })).not.toEqual(generate(small));
    // A longer run starts with the shorter run's rows.
    expect(generate({ ...small, days: 5 }).slice(0, 150)).toEqual(generate(small));
  });

  it("yields days × rowsPerDay rows with each table's column count", () => {
    expect(rows).toHaveLength(10_000);
    const lengths = new Set(
      rows.map((row) => `${row.customerInfo.length}/${row.features.length}/${row.creditScore.length}`),
    );
    expect([...lengths]).toEqual([
      `${CUSTOMER_INFO_COLUMNS.length}/${CREDIT_SCORE_FEATURES_COLUMNS.length}/${CREDIT_SCORE_COLUMNS.length}`,
    ]);
  });

  it("goes day by day across month and year ends, rowsPerDay rows per day", () => {
    const run = generate({ startDate: "2024-12-30", days: 4, rowsPerDay: 3, seed: 1 });
    expect(run.map((row) => row.features[2])).toEqual(
      ["2024-12-30", "2024-12-31", "2025-01-01", "2025-01-02"].flatMap((date) => [date, date, date]),
    );
    const leap = generate({ startDate: "2024-02-28", days: 3, rowsPerDay: 1, seed: 1 });
    expect(leap.map((row) => row.creditScore[2])).toEqual(["2024-02-28", "2024-02-29", "2024-03-01"]);
  });

  it("gives unique, increasing numeric ids shared by the three tables", () => {
    const ids = rows.map((row) => row.features[0]);
    const problems: number[] = [];
    for (let index = 0; index < rows.length; index++) {
      const [id, customerId, date] = rows[index]!.features;
      const { customerInfo, creditScore } = rows[index]!;
      const shared =
        customerInfo[0] === id &&
        creditScore[0] === id &&
        customerInfo[1] === customerId &&
        creditScore[1] === customerId &&
        customerInfo[2] === date &&
        creditScore[2] === date;
      const numeric = /^\d{1,10}$/.test(String(id)) && /^\d{1,10}$/.test(String(customerId));
      const increasing = index === 0 || Number(id) > Number(ids[index - 1]);
      if (!shared || !numeric || !increasing) problems.push(index);
    }
    expect(problems).toEqual([]);
    expect(new Set(ids).size).toBe(rows.length);
  });

  it("draws recurring customers with stable name, ssn and occupation", () => {
    const byCustomer = new Map<unknown, SyntheticRow[]>();
    for (const row of rows) {
      const list = byCustomer.get(row.features[1]) ?? [];
      list.push(row);
      byCustomer.set(row.features[1], list);
    }
    expect(byCustomer.size).toBeLessThanOrEqual(3500); // default pool: rowsPerDay × 7
    expect(byCustomer.size).toBeGreaterThan(2500);
    const unstable = [...byCustomer.values()].filter((list) => {
      const first = list[0]!;
      // name, ssn; annual_income; type_of_loan
      const key = (row: SyntheticRow) =>
        JSON.stringify([row.customerInfo[3], row.customerInfo[4], row.features[7], row.features[13]]);
      return list.some((row) => key(row) !== key(first));
    });
    expect(unstable).toEqual([]);
    const pool = generate({ ...BASE, days: 2, rowsPerDay: 100, customers: 10 });
    expect(new Set(pool.map((row) => row.features[1])).size).toBeLessThanOrEqual(10);
    const names = new Set(rows.map((row) => row.customerInfo[3]));
    expect([...names].some((name) => typeof name === "string" && /[^\x20-\x7e]/.test(name))).toBe(true);
    expect([...names].some((name) => typeof name === "string" && name.includes("'"))).toBe(true);
  });

  it("labels with the classes at roughly the fixture's balance (Standard ~50%, Poor ~28%, Good ~20%)", () => {
    expect(SYNTHETIC_CLASSES).toEqual(["Good", "Poor", "Standard"]);
    const share = (label: string) => labels.filter((value) => value === label).length / labels.length;
    expect(share("Good") + share("Poor") + share("Standard")).toBe(1);
    expect(share("Standard")).toBeGreaterThan(0.45);
    expect(share("Standard")).toBeLessThan(0.58);
    expect(share("Poor")).toBeGreaterThan(0.22);
    expect(share("Poor")).toBeLessThan(0.34);
    expect(share("Good")).toBeGreaterThan(0.15);
    expect(share("Good")).toBeLessThan(0.26);
  });

  it("makes labels depend on the features (Poor rows pay later and owe more)", () => {
    const delay = column("delay_from_due_date");
    const debt = column("outstanding_debt");
    const mean = (values: (string | number | null)[], label: string) => {
      const picked = values.filter((_, index) => labels[index] === label) as number[];
      return picked.reduce((sum, value) => sum + value, 0) / picked.length;
    };
    expect(mean(delay, "Poor")).toBeGreaterThan(mean(delay, "Standard") + 5);
    expect(mean(delay, "Standard")).toBeGreaterThan(mean(delay, "Good") + 3);
    expect(mean(debt, "Poor")).toBeGreaterThan(mean(debt, "Good") * 1.5);
    const payday = column("type_of_loan").map(
      (value) => typeof value === "string" && value.includes("Payday"),
    );
    const poorShare = (flag: boolean) => {
      const picked = labels.filter((_, index) => payday[index] === flag);
      return picked.filter((label) => label === "Poor").length / picked.length;
    };
    expect(poorShare(true)).toBeGreaterThan(poorShare(false));
  });

  it("has NULLs at about the fixture's rate where the fixture has them, and nowhere else", () => {
    for (const [name, rate] of Object.entries(FIXTURE_NULL_RATES)) {
      const nulls = column(name as keyof typeof FIXTURE_NULL_RATES).filter((value) => value === null).length;
      expect(nulls / rows.length, name).toBeGreaterThan(rate * 0.5);
      expect(nulls / rows.length, name).toBeLessThan(rate * 2);
    }
    for (const name of CREDIT_SCORE_FEATURES_COLUMNS) {
      if (name in FIXTURE_NULL_RATES) continue;
      expect(column(name).includes(null), name).toBe(false);
    }
    for (const row of rows) {
      expect(row.customerInfo.includes(null)).toBe(false);
      expect(row.creditScore.includes(null)).toBe(false);
    }
  });

  it("keeps values in plausible ranges, categories in the fixture's sets, floats within float32", () => {
    const ranges: [(typeof CREDIT_SCORE_FEATURES_COLUMNS)[number], number, number][] = [
      ["age", 18, 60],
      ["ssn", 100_000_000, 999_999_999],
      ["annual_income", 4_000, 250_000],
      ["monthly_inhand_salary", 250, 21_000],
      ["num_bank_accounts", 0, 11],
      ["num_credit_card", 0, 11],
      ["interest_rate", 1, 34],
      ["num_of_loan", 0, 6],
      ["delay_from_due_date", -5, 71],
      ["num_of_delayed_payment", 0, 31],
      ["changed_credit_limit", -9.6, 29.3],
      ["num_credit_inquiries", 0, 18],
      ["outstanding_debt", 0.23, 5_020],
      ["credit_utilization_ratio", 20, 50],
      ["credit_history_age", 1, 404],
      ["total_emi_per_month", 0, 3_000],
      ["amount_invested_monthly", 16, 3_300],
      ["monthly_balance", 110, 12_000],
    ];
    for (const [name, low, high] of ranges) {
      const values = numbers(name);
      expect(Math.min(...values), name).toBeGreaterThanOrEqual(low);
      expect(Math.max(...values), name).toBeLessThanOrEqual(high);
      const unfit = values.filter(
        (value) => !Number.isFinite(value) || Math.abs(Math.fround(value) - value) > Math.abs(value) * 1e-6,
      );
      expect(unfit, name).toEqual([]);
    }
    const integers = [
      "age",
      "num_bank_accounts",
      "num_credit_card",
      "num_of_loan",
      "delay_from_due_date",
    ] as const;
    for (const name of integers) expect(numbers(name).every(Number.isInteger), name).toBe(true);
    expect(new Set(column("credit_mix"))).toEqual(new Set(["Bad", "Standard", "Good"]));
    expect(new Set(column("payment_of_min_amount"))).toEqual(new Set(["Yes", "No", "NM"]));
    expect(new Set(column("payment_behaviour")).size).toBe(6);
    expect(new Set(column("occupation").filter((value) => value !== null)).size).toBe(15);
    const loans = column("num_of_loan");
    const loanFormat = /^[A-Z][\w -]+ Loan$|^[\w -]+(, [\w -]+)*, and [\w -]+$|^Not Specified$/;
    const badLoans = column("type_of_loan").filter((text, index) =>
      text === null
        ? loans[index] !== 0
        : !loanFormat.test(String(text)) || String(text).split(", ").length !== loans[index],
    );
    expect(badLoans).toEqual([]);
    expect(column("type_of_loan").some((text) => String(text).includes("Payday Loan"))).toBe(true);
  });

  it("rejects bad options, naming the value and what is allowed", () => {
    const bad: [Partial<SyntheticOptions>, RegExp][] = [
      [{ startDate: "2025-13-01" }, /startDate "2025-13-01".*YYYY-MM-DD/],
      [{ startDate: "2025-02-30" }, /startDate "2025-02-30"/],
      [{ startDate: "20250101" }, /startDate "20250101"/],
      [{ days: 0 }, /days 0.*integer from 1/],
      [{ days: 1.5 }, /days 1.5.*integer/],
      [{ rowsPerDay: -3 }, /rowsPerDay -3.*integer from 1/],
      [{ rowsPerDay: Number.NaN }, /rowsPerDay NaN/],
      [{ customers: 0 }, /customers 0/],
      [{ seed: 0.5 }, /seed 0.5.*integer/],
      [{ days: 100_000, rowsPerDay: 100_000 }, /at most 1,000,000,000 rows/],
    ];
    for (const [override, message] of bad) {
      expect(() => generateSyntheticRows({ ...BASE, ...override })).toThrow(message);
    }
  });
});
