/**
 * Deterministic synthetic rows for the feature store's demo and benchmarks, shaped like the
 * reference fixture (packages/fixtures/reference-pipeline/source): ~180 customers recurring over
 * the days, increasing numeric ids with small gaps, the fixture's category sets, value ranges and
 * per-column NULL rates, and a noisy but learnable `credit_score` label.
 *
 * The label comes from a latent credit quality built from the row's (pre-NULL) features: payment
 * delays, outstanding debt, interest rate, inquiries, credit mix, minimum-payment habit, history
 * age, a nonlinear penalty for many accounts/cards, a debt × delay interaction, occupation,
 * payment behaviour and the loan types (Payday Loan hurts, Mortgage Loan helps), plus noise; it is
 * cut into Poor / Standard / Good at about the fixture's balance (28% / 52% / 20%).
 *
 * Speed matters (the bulk loader consumes millions of rows): customers live in typed arrays, the
 * PRNG is mulberry32, and each row allocates only its three arrays and a few short strings.
 */

/** A value of one SQL column: text, number or SQL NULL. */
export type SqlValue = string | number | null;

/** Size and seed of a synthetic data set. */
export interface SyntheticOptions {
  /** First day, `YYYY-MM-DD`. */
  startDate: string;
  /** Number of consecutive days (positive integer). */
  days: number;
  /** Rows per day (positive integer). */
  rowsPerDay: number;
  /** PRNG seed (integer); the same options always give the same rows. */
  seed: number;
  /** Size of the customer pool; default `max(50, round(rowsPerDay * 7))`, at most 10,000,000. */
  customers?: number;
}

/**
 * One generated record, as value arrays in each table's column order (see tables.ts):
 * `customer_info`, `credit_score_features` and `credit_score`, all sharing id, customer_id, date.
 */
export interface SyntheticRow {
  customerInfo: SqlValue[];
  features: SqlValue[];
  creditScore: SqlValue[];
}

/** The label classes of `credit_score`, sorted. */
export const SYNTHETIC_CLASSES = ["Good", "Poor", "Standard"] as const;

const MAX_ROWS = 1_000_000_000; // ids are varchar(10): start 5601 + up to 9 per row stays below 10^10
const MAX_CUSTOMERS = 10_000_000;
const FIRST_ID = 5601;
const FIRST_CUSTOMER_ID = 1001;

const FIRST_NAMES = [
  "Aaron",
  "Carlos",
  "Caroline",
  "Hyun",
  "Ivan",
  "Jisoo",
  "Lena",
  "Mina",
  "Noah",
  "O'Brien",
  "Olga",
  "Omar",
  "Priya",
  "Sara",
  "Tom",
  "Yuki",
  "Zoë",
] as const;
const LAST_NAMES = [
  "Chen",
  "D'Souza",
  "García",
  "Halsz",
  "Kim",
  "Lee",
  "Müller",
  "Nakamura",
  "Okafor",
  "Park",
  "Smith",
  "Valetkevitch",
] as const;
const NAMES: readonly string[] = FIRST_NAMES.flatMap((first) => LAST_NAMES.map((last) => `${first} ${last}`));

/** Occupations with a sampling weight (Musician is over-represented as in the fixture) and a latent effect. */
const OCCUPATIONS: readonly (readonly [name: string, weight: number, effect: number])[] = [
  ["Accountant", 1.2, 0.2],
  ["Architect", 1.2, 0.15],
  ["Developer", 1, 0.25],
  ["Doctor", 1, 0.45],
  ["Engineer", 0.9, 0.3],
  ["Entrepreneur", 0.7, -0.35],
  ["Journalist", 0.6, -0.2],
  ["Lawyer", 0.9, 0.3],
  ["Manager", 1.1, 0.1],
  ["Mechanic", 1.2, -0.3],
  ["Media_Manager", 0.7, -0.1],
  ["Musician", 2, -0.5],
  ["Scientist", 1.1, 0.2],
  ["Teacher", 0.6, 0.05],
  ["Writer", 1.1, -0.4],
];

const PAYMENT_BEHAVIOURS: readonly (readonly [name: string, effect: number])[] = [
  ["High_spent_Large_value_payments", 0.35],
  ["High_spent_Medium_value_payments", 0.1],
  ["High_spent_Small_value_payments", -0.3],
  ["Low_spent_Large_value_payments", 0.25],
  ["Low_spent_Medium_value_payments", 0],
  ["Low_spent_Small_value_payments", -0.45],
];

const LOAN_TYPES: readonly (readonly [name: string, effect: number])[] = [
  ["Auto Loan", 0],
  ["Credit-Builder Loan", -0.3],
  ["Debt Consolidation Loan", -0.2],
  ["Home Equity Loan", 0.15],
  ["Mortgage Loan", 0.3],
  ["Not Specified", 0],
  ["Payday Loan", -0.9],
  ["Personal Loan", -0.05],
  ["Student Loan", 0.05],
];

/** Distribution of num_of_loan (0 … 6), after the quality shift in buildCustomers about the fixture's. */
const LOAN_COUNT_WEIGHTS = [0.03, 0.24, 0.19, 0.255, 0.1, 0.1, 0.06] as const;
/** Loan lists per loan count kept in the pool (customers pick one; bounds memory and distinct texts). */
const LOAN_LISTS_PER_COUNT = 256;

const CREDIT_MIX = ["Bad", "Standard", "Good"] as const;
const CREDIT_MIX_EFFECT = [-0.7, 0, 0.6] as const;

/** Per-column NULL rates (fraction of rows), from the fixture. type_of_loan is NULL exactly when num_of_loan = 0. */
const NULL_RATE = {
  age: 0.027,
  occupation: 0.091,
  monthlyInhandSalary: 0.106,
  numOfDelayedPayment: 0.072,
  changedCreditLimit: 0.019,
  numCreditInquiries: 0.021,
  creditHistoryAge: 0.079,
  amountInvestedMonthly: 0.052,
  monthlyBalance: 0.022,
} as const;

/** Standard deviation of the label noise added to the latent score. */
const LABEL_NOISE = 0.75;
/** Latent-score cut points: below POOR_BELOW is Poor, above GOOD_ABOVE is Good (≈ 28% / 20%). */
const POOR_BELOW = -1.75;
const GOOD_ABOVE = 2.3;

/** mulberry32: a small, fast 32-bit PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stateless hash of two integers to [0, 1) (for per-customer, per-month drift). */
function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

const SQRT3 = Math.sqrt(3);

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function pickWeighted(weights: readonly number[], u: number): number {
  let total = 0;
  for (const weight of weights) total += weight;
  let target = u * total;
  for (let index = 0; index < weights.length; index++) {
    target -= weights[index]!;
    if (target < 0) return index;
  }
  return weights.length - 1;
}

/** "A", "A, and B", "A, B, and C" — the fixture's type_of_loan format. */
function loanListText(names: readonly string[]): string {
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(", ")}, and ${names[names.length - 1]}`;
}

/** A value for an error message: strings quoted, anything else as String() shows it. */
function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function parseStartDate(startDate: unknown): number {
  const match = typeof startDate === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(startDate) : null;
  const time = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== startDate) {
    throw new Error(`invalid startDate ${show(startDate)}: expected a calendar date YYYY-MM-DD`);
  }
  return time;
}

function checkPositiveInteger(name: string, value: unknown, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(
      `invalid ${name} ${show(value)}: expected an integer from 1 to ${max.toLocaleString("en")}`,
    );
  }
  return value;
}

interface ValidOptions {
  startTime: number;
  days: number;
  rowsPerDay: number;
  seed: number;
  customers: number;
}

function validateOptions(options: SyntheticOptions): ValidOptions {
  const startTime = parseStartDate(options.startDate);
  const days = checkPositiveInteger("days", options.days, MAX_ROWS);
  const rowsPerDay = checkPositiveInteger("rowsPerDay", options.rowsPerDay, MAX_ROWS);
  if (days * rowsPerDay > MAX_ROWS) {
    throw new Error(
      `invalid size days × rowsPerDay = ${days} × ${rowsPerDay}: expected at most ${MAX_ROWS.toLocaleString("en")} rows`,
    );
  }
  const lastDay = new Date(startTime + (days - 1) * 86_400_000);
  if (lastDay.getUTCFullYear() > 9999) {
    throw new Error(
      `invalid days ${days}: the last day would be after 9999-12-31 (startDate ${options.startDate})`,
    );
  }
  const { seed } = options;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new Error(`invalid seed ${show(seed)}: expected a safe integer`);
  }
  const customers =
    options.customers === undefined
      ? Math.min(MAX_CUSTOMERS, Math.max(50, Math.round(rowsPerDay * 7)))
      : checkPositiveInteger("customers", options.customers, MAX_CUSTOMERS);
  return { startTime, days, rowsPerDay, seed, customers };
}

/** Approximately standard normal: scaled Irwin–Hall sum of four uniforms (cheap, bounded at ±3.46). */
function normalFrom(random: () => number): number {
  return (random() + random() + random() + random() - 2) * SQRT3;
}

/** The customer pool: stable attributes in typed arrays, one slot per customer. */
interface Customers {
  count: number;
  id: Int32Array;
  name: Uint16Array;
  ssn: Int32Array;
  occupation: Uint8Array;
  age: Uint8Array;
  birthMonth: Uint8Array;
  quality: Float32Array;
  annualIncome: Float64Array;
  salaryFactor: Float32Array;
  bankAccounts: Uint8Array;
  creditCards: Uint8Array;
  interestRate: Uint8Array;
  loanList: Uint16Array;
  creditHistoryAge: Uint16Array;
  debt: Float32Array;
  emiShare: Float32Array;
  investShare: Float32Array;
  behaviour: Uint8Array;
}

interface LoanPool {
  count: Uint8Array;
  text: (string | null)[];
  effect: Float32Array;
}

function buildLoanPool(random: () => number): LoanPool {
  const size = 1 + (LOAN_COUNT_WEIGHTS.length - 1) * LOAN_LISTS_PER_COUNT;
  const pool: LoanPool = { count: new Uint8Array(size), text: [null], effect: new Float32Array(size) };
  let slot = 1;
  for (let loans = 1; loans < LOAN_COUNT_WEIGHTS.length; loans++) {
    for (let list = 0; list < LOAN_LISTS_PER_COUNT; list++, slot++) {
      const names: string[] = [];
      let effect = 0;
      const seen = new Set<number>();
      for (let index = 0; index < loans; index++) {
        const type = Math.floor(random() * LOAN_TYPES.length);
        const [name, typeEffect] = LOAN_TYPES[type]!;
        names.push(name);
        // A second loan of the same type weighs less than the first.
        effect += seen.has(type) ? typeEffect * 0.3 : typeEffect;
        seen.add(type);
      }
      pool.count[slot] = loans;
      pool.text.push(loanListText(names));
      pool.effect[slot] = effect;
    }
  }
  return pool;
}

function buildCustomers(count: number, random: () => number): Customers {
  const customers: Customers = {
    count,
    id: new Int32Array(count),
    name: new Uint16Array(count),
    ssn: new Int32Array(count),
    occupation: new Uint8Array(count),
    age: new Uint8Array(count),
    birthMonth: new Uint8Array(count),
    quality: new Float32Array(count),
    annualIncome: new Float64Array(count),
    salaryFactor: new Float32Array(count),
    bankAccounts: new Uint8Array(count),
    creditCards: new Uint8Array(count),
    interestRate: new Uint8Array(count),
    loanList: new Uint16Array(count),
    creditHistoryAge: new Uint16Array(count),
    debt: new Float32Array(count),
    emiShare: new Float32Array(count),
    investShare: new Float32Array(count),
    behaviour: new Uint8Array(count),
  };
  const occupationWeights = OCCUPATIONS.map(([, weight]) => weight);
  let customerId = FIRST_CUSTOMER_ID;
  for (let c = 0; c < count; c++) {
    const quality = normalFrom(random); // high = creditworthy; drives the features' correlations
    customers.id[c] = customerId;
    customerId += 1 + Math.floor(random() * 7);
    customers.name[c] = Math.floor(random() * NAMES.length);
    customers.ssn[c] = 100_000_000 + Math.floor(random() * 900_000_000);
    customers.occupation[c] = pickWeighted(occupationWeights, random());
    customers.age[c] = Math.round(clamp(36 + 2 * quality + 10 * normalFrom(random), 18, 56));
    customers.birthMonth[c] = Math.floor(random() * 12);
    customers.quality[c] = quality;
    customers.annualIncome[c] = round2(
      clamp(Math.exp(Math.log(32_000) + 0.2 * quality + 0.55 * normalFrom(random)), 4_000, 250_000),
    );
    customers.salaryFactor[c] = 0.8 + 0.15 * random();
    customers.bankAccounts[c] = Math.round(clamp(5 - 1.5 * quality + 2.6 * normalFrom(random), 0, 11));
    customers.creditCards[c] = Math.round(clamp(5.5 - 1.5 * quality + 2.6 * normalFrom(random), 0, 11));
    customers.interestRate[c] = Math.round(clamp(13.5 - 4.5 * quality + 5.5 * normalFrom(random), 1, 34));
    const loans = pickWeighted(LOAN_COUNT_WEIGHTS, clamp(random() - 0.12 * quality, 0, 0.999999));
    customers.loanList[c] =
      loans === 0 ? 0 : 1 + (loans - 1) * LOAN_LISTS_PER_COUNT + Math.floor(random() * LOAN_LISTS_PER_COUNT);
    customers.creditHistoryAge[c] = Math.round(clamp(195 + 55 * quality + 85 * normalFrom(random), 1, 390));
    customers.debt[c] = clamp(Math.exp(7.15 - 0.45 * quality + 0.55 * normalFrom(random)), 0.23, 4_800);
    customers.emiShare[c] = loans === 0 ? 0 : (0.015 + 0.035 * random()) * loans;
    customers.investShare[c] = Math.exp(Math.log(0.09) + 0.6 * normalFrom(random));
    customers.behaviour[c] = Math.floor(random() * PAYMENT_BEHAVIOURS.length);
  }
  return customers;
}

/**
 * Generates `days × rowsPerDay` synthetic rows, day by day from `startDate`, each with a unique,
 * increasing numeric id. Customers (name, ssn, occupation, income, accounts, loans …) are drawn
 * once per run and recur across days; per-row fields drift per customer and month and vary per
 * row. Deterministic: the same options always yield the same rows.
 *
 * Options are checked when called (not at the first `next()`).
 *
 * @throws Error naming the bad value when `startDate` is not a calendar date `YYYY-MM-DD`, `days`,
 *   `rowsPerDay` or `customers` is not a positive integer (or too large), or `seed` is not an integer.
 */
export function generateSyntheticRows(options: SyntheticOptions): Generator<SyntheticRow> {
  // Validate now, at the call, rather than at the first next() as a generator body would.
  return syntheticRows(validateOptions(options));
}

function* syntheticRows(options: ValidOptions): Generator<SyntheticRow> {
  const { startTime, days, rowsPerDay, seed, customers: customerCount } = options;
  const seed32 = Math.imul((seed % 0x1_0000_0000) | 0, 0x9e3779b1) ^ Math.floor(seed / 0x1_0000_0000);
  const setupRandom = mulberry32(seed32 ^ 0x5bd1e995);
  const loanPool = buildLoanPool(setupRandom);
  const customers = buildCustomers(customerCount, setupRandom);
  const random = mulberry32(seed32);
  const startDate = new Date(startTime);
  const startMonth = startDate.getUTCFullYear() * 12 + startDate.getUTCMonth();
  const monthSeed = seed32 ^ 0x27d4eb2f;
  let id = FIRST_ID;

  for (let day = 0; day < days; day++) {
    const dayDate = new Date(startTime + day * 86_400_000);
    const date = dayDate.toISOString().slice(0, 10);
    const monthIndex = dayDate.getUTCFullYear() * 12 + dayDate.getUTCMonth() - startMonth;
    for (let row = 0; row < rowsPerDay; row++) {
      const c = Math.floor(random() * customerCount);
      const rowId = String(id);
      id += 1 + Math.floor(random() * 9);
      const customerId = String(customers.id[c]!);
      const name = NAMES[customers.name[c]!]!;
      const ssn = customers.ssn[c]!;

      // This month's credit quality: the customer's plus a drift that holds for the month.
      const drift = hash01(monthSeed ^ Math.imul(c, 0x2c1b3c6d), monthIndex) - 0.5;
      const quality = customers.quality[c]! + 0.8 * drift;

      const age = customers.age[c]! + Math.floor((monthIndex + customers.birthMonth[c]!) / 12);
      const occupation = customers.occupation[c]!;
      const annualIncome = customers.annualIncome[c]!;
      const salary = round6((annualIncome / 12) * customers.salaryFactor[c]! * (0.97 + 0.06 * random()));
      const bankAccounts = customers.bankAccounts[c]!;
      const creditCards = customers.creditCards[c]!;
      const interestRate = clamp(customers.interestRate[c]! + Math.floor(random() * 3) - 1, 1, 34);
      const loanList = customers.loanList[c]!;
      const numOfLoan = loanPool.count[loanList]!;
      const delay = Math.round(clamp(11 - 8 * quality + 9 * normalFrom(random), -5, 67));
      const delayedPayments = Math.round(clamp(8.5 - 3.5 * quality + 3.2 * normalFrom(random), 0, 28));
      const changedCreditLimit = round2(clamp(10 - 1.5 * quality + 5.5 * normalFrom(random), -9.6, 29.3));
      const inquiries = Math.round(clamp(5 - 1.8 * quality + 2.4 * normalFrom(random), 0, 17));
      const mixScore = quality + 0.7 * normalFrom(random);
      const mix = mixScore < -0.82 ? 0 : mixScore > 0.64 ? 2 : 1;
      const debt = round2(
        clamp(customers.debt[c]! * (1 - 0.2 * drift) * (0.94 + 0.12 * random()), 0.23, 5_020),
      );
      const utilization = round6(clamp(20 + 30 * random() + 1.5 * normalFrom(random), 20, 50));
      const historyAge = customers.creditHistoryAge[c]! + monthIndex;
      const minAmountDraw = random();
      const minAmount = minAmountDraw < 0.1 ? "NM" : quality + 0.8 * normalFrom(random) < 0.15 ? "Yes" : "No";
      const emi = round6(salary * customers.emiShare[c]! * (0.9 + 0.2 * random()));
      const invested = round6(clamp(salary * customers.investShare[c]! * (0.6 + 0.8 * random()), 16, 3_300));
      const balance = round6(clamp((salary - emi - invested) * (0.45 + 0.3 * random()) + 120, 110, 12_000));
      const behaviour =
        random() < 0.7 ? customers.behaviour[c]! : Math.floor(random() * PAYMENT_BEHAVIOURS.length);

      // Latent credit score (higher = better) from the true, pre-NULL values.
      const accountsExcess = bankAccounts + creditCards - 13;
      const latent =
        2.75 -
        0.055 * delay -
        0.07 * delayedPayments -
        0.0005 * debt -
        0.05 * interestRate -
        0.09 * inquiries +
        CREDIT_MIX_EFFECT[mix]! +
        (minAmount === "Yes" ? -0.45 : minAmount === "No" ? 0.3 : 0) +
        0.004 * historyAge -
        (accountsExcess > 0 ? 0.15 * accountsExcess : 0) -
        (delay > 28 && debt > 2_000 ? 0.8 : 0) +
        OCCUPATIONS[occupation]![2] +
        PAYMENT_BEHAVIOURS[behaviour]![1] +
        loanPool.effect[loanList]! +
        LABEL_NOISE * normalFrom(random);
      const label = latent < POOR_BELOW ? "Poor" : latent > GOOD_ABOVE ? "Good" : "Standard";

      yield {
        customerInfo: [rowId, customerId, date, name, ssn],
        features: [
          rowId,
          customerId,
          date,
          name,
          random() < NULL_RATE.age ? null : age,
          ssn,
          random() < NULL_RATE.occupation ? null : OCCUPATIONS[occupation]![0],
          annualIncome,
          random() < NULL_RATE.monthlyInhandSalary ? null : salary,
          bankAccounts,
          creditCards,
          interestRate,
          numOfLoan,
          loanPool.text[loanList] ?? null,
          delay,
          random() < NULL_RATE.numOfDelayedPayment ? null : delayedPayments,
          random() < NULL_RATE.changedCreditLimit ? null : changedCreditLimit,
          random() < NULL_RATE.numCreditInquiries ? null : inquiries,
          CREDIT_MIX[mix]!,
          debt,
          utilization,
          random() < NULL_RATE.creditHistoryAge ? null : historyAge,
          minAmount,
          emi,
          random() < NULL_RATE.amountInvestedMonthly ? null : invested,
          PAYMENT_BEHAVIOURS[behaviour]![0],
          random() < NULL_RATE.monthlyBalance ? null : balance,
        ],
        creditScore: [rowId, customerId, date, label],
      };
    }
  }
}
