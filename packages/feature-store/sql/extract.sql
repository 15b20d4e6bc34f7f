-- The reference pipeline's extract, for one base_dt, run in ONE transaction.
-- :base_dt is bound as a parameter (never spliced into the text).

-- 1. Keep a rolling week: drop snapshots 7 or more days old, and this day's (a re-run replaces it).
DELETE FROM credit_score_features_target
 WHERE base_dt <= DATE_FORMAT(DATE_SUB(:base_dt, INTERVAL 7 DAY), '%Y-%m-%d')
    OR base_dt = :base_dt;

-- 2. Snapshot the features joined to their labels for the month up to base_dt.
INSERT INTO credit_score_features_target
SELECT :base_dt AS base_dt,
       a.id, a.customer_id, a.date, a.age, a.occupation, a.annual_income, a.monthly_inhand_salary,
       a.num_bank_accounts, a.num_credit_card, a.interest_rate, a.num_of_loan, a.type_of_loan,
       a.delay_from_due_date, a.num_of_delayed_payment, a.changed_credit_limit,
       a.num_credit_inquiries, a.credit_mix, a.outstanding_debt, a.credit_utilization_ratio,
       a.credit_history_age, a.payment_of_min_amount, a.total_emi_per_month,
       a.amount_invested_monthly, a.payment_behaviour, a.monthly_balance,
       b.credit_score
  FROM credit_score_features a
  JOIN credit_score b
    ON a.id = b.id AND a.customer_id = b.customer_id AND a.date = b.date
 WHERE a.date BETWEEN DATE_FORMAT(DATE_SUB(:base_dt, INTERVAL 1 MONTH), '%Y-%m-%d') AND :base_dt;
