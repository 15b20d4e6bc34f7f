/** Column lists of the feature-store tables, in table order (see sql/schema.sql). */
export const CUSTOMER_INFO_COLUMNS = ["id", "customer_id", "date", "name", "ssn"] as const;

export const CREDIT_SCORE_COLUMNS = ["id", "customer_id", "date", "credit_score"] as const;

export const CREDIT_SCORE_FEATURES_COLUMNS = [
  "id",
  "customer_id",
  "date",
  "name",
  "age",
  "ssn",
  "occupation",
  "annual_income",
  "monthly_inhand_salary",
  "num_bank_accounts",
  "num_credit_card",
  "interest_rate",
  "num_of_loan",
  "type_of_loan",
  "delay_from_due_date",
  "num_of_delayed_payment",
  "changed_credit_limit",
  "num_credit_inquiries",
  "credit_mix",
  "outstanding_debt",
  "credit_utilization_ratio",
  "credit_history_age",
  "payment_of_min_amount",
  "total_emi_per_month",
  "amount_invested_monthly",
  "payment_behaviour",
  "monthly_balance",
] as const;

/** The snapshot: base_dt, the features without the personal name and ssn, then the label. */
export const SNAPSHOT_COLUMNS: readonly string[] = [
  "base_dt",
  ...CREDIT_SCORE_FEATURES_COLUMNS.filter((column) => column !== "name" && column !== "ssn"),
  "credit_score",
];

export const TABLES = {
  customer_info: CUSTOMER_INFO_COLUMNS,
  credit_score: CREDIT_SCORE_COLUMNS,
  credit_score_features: CREDIT_SCORE_FEATURES_COLUMNS,
  credit_score_features_target: SNAPSHOT_COLUMNS,
} as const;

export type TableName = keyof typeof TABLES;
export const SNAPSHOT_TABLE = "credit_score_features_target" satisfies TableName;
