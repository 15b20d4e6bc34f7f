/** The numeric features the reference pipeline scales, one RobustScaler each. */
export const NUMERIC_FEATURES = [
  "age",
  "annual_income",
  "monthly_inhand_salary",
  "num_bank_accounts",
  "num_credit_card",
  "interest_rate",
  "num_of_loan",
  "delay_from_due_date",
  "num_of_delayed_payment",
  "changed_credit_limit",
  "num_credit_inquiries",
  "outstanding_debt",
  "credit_utilization_ratio",
  "credit_history_age",
  "total_emi_per_month",
  "amount_invested_monthly",
  "monthly_balance",
] as const;

/** How a snapshot is split and scaled; the defaults are the reference pipeline's. */
export interface PreprocessConfig {
  readonly numericFeatures: readonly string[];
  /** Fraction of rows for validation, as scikit-learn's `test_size`. */
  readonly testSize: number;
  /** Seed of the split, as scikit-learn's `random_state`. */
  readonly randomState: number;
}

export const DEFAULT_PREPROCESS_CONFIG: PreprocessConfig = {
  numericFeatures: NUMERIC_FEATURES,
  testSize: 0.3,
  randomState: 42,
};
