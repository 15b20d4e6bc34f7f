-- Feature-store schema of the reference pipeline, created in the database FEATURE_STORE_URL names.
-- credit_score_features_target keeps base_dt in its primary key so a week of daily snapshots can
-- coexist (the reference's original key without it made the second daily run fail).
CREATE TABLE IF NOT EXISTS customer_info (
  id varchar(10) NOT NULL, customer_id varchar(10) NOT NULL, date varchar(10) NOT NULL,
  name varchar(50), ssn bigint,
  PRIMARY KEY (id, customer_id, date)
) DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS credit_score (
  id varchar(10) NOT NULL, customer_id varchar(10) NOT NULL, date varchar(10) NOT NULL,
  credit_score varchar(10) NOT NULL,
  PRIMARY KEY (id, customer_id, date)
) DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS credit_score_features (
  id varchar(10) NOT NULL, customer_id varchar(10) NOT NULL, date varchar(10) NOT NULL,
  name varchar(50), age float, ssn bigint, occupation varchar(50), annual_income float,
  monthly_inhand_salary float, num_bank_accounts float, num_credit_card float, interest_rate float,
  num_of_loan float, type_of_loan text, delay_from_due_date float, num_of_delayed_payment float,
  changed_credit_limit float, num_credit_inquiries float, credit_mix varchar(20), outstanding_debt float,
  credit_utilization_ratio float, credit_history_age float, payment_of_min_amount varchar(10),
  total_emi_per_month float, amount_invested_monthly float, payment_behaviour varchar(50),
  monthly_balance float,
  PRIMARY KEY (id, customer_id, date)
) DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS credit_score_features_target (
  base_dt varchar(10) NOT NULL, id varchar(10) NOT NULL, customer_id varchar(10) NOT NULL,
  date varchar(10) NOT NULL, age float, occupation varchar(50), annual_income float,
  monthly_inhand_salary float, num_bank_accounts float, num_credit_card float, interest_rate float,
  num_of_loan float, type_of_loan text, delay_from_due_date float, num_of_delayed_payment float,
  changed_credit_limit float, num_credit_inquiries float, credit_mix varchar(20), outstanding_debt float,
  credit_utilization_ratio float, credit_history_age float, payment_of_min_amount varchar(10),
  total_emi_per_month float, amount_invested_monthly float, payment_behaviour varchar(50),
  monthly_balance float, credit_score varchar(10) NOT NULL,
  PRIMARY KEY (base_dt, id, customer_id, date)
) DEFAULT CHARSET=utf8mb4;
