#!/usr/bin/env python3
"""Learnability check of the synthetic feature-store data (benchmark-only; never a runtime dependency).

Reads a CSV of generated rows — the credit_score_features columns plus a `credit_score` label
column (empty field or \\N = NULL) — and prints the validation accuracy of scikit-learn's
HistGradientBoostingClassifier and, when importable, XGBoost (hist, depth 8, lr 0.3, early
stopping 50) on a 70/30 split. The generator is tuned so both land at about 0.75-0.9.

Usage: python3 scripts/check-synthetic.py ROWS.csv [--seed 42] [--min 0.75] [--max 0.9]
Needs pandas and scikit-learn (e.g. Debian python3-pandas python3-sklearn; python3-xgboost optional).
Exits 1 when an accuracy falls outside [--min, --max].
"""

import argparse
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

LABEL = "credit_score"
DROP = ["id", "customer_id", "date", "name", "ssn"]
CATEGORICAL = ["occupation", "credit_mix", "payment_of_min_amount", "payment_behaviour"]
LOAN_TYPES = [
    "Auto Loan",
    "Credit-Builder Loan",
    "Debt Consolidation Loan",
    "Home Equity Loan",
    "Mortgage Loan",
    "Not Specified",
    "Payday Loan",
    "Personal Loan",
    "Student Loan",
]


def features(frame: pd.DataFrame) -> pd.DataFrame:
    x = frame.drop(columns=[c for c in DROP + [LABEL] if c in frame.columns]).copy()
    loans = x.pop("type_of_loan").fillna("")
    for loan in LOAN_TYPES:
        x["loan_" + loan.lower().replace(" ", "_").replace("-", "_")] = loans.str.count(loan).astype(float)
    for column in CATEGORICAL:
        # Integer codes with NaN for NULL: both models treat them as ordinal splits, which suffices here.
        codes = x[column].astype("category").cat.codes.astype(float)
        x[column] = codes.where(codes >= 0, np.nan)
    return x.astype(float)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--min", type=float, default=0.75)
    parser.add_argument("--max", type=float, default=0.9)
    args = parser.parse_args()

    frame = pd.read_csv(args.csv, na_values=["\\N"], keep_default_na=True)
    classes = sorted(frame[LABEL].unique())
    y = frame[LABEL].map({name: index for index, name in enumerate(classes)}).to_numpy()
    x = features(frame)
    balance = ", ".join(f"{name} {share:.1%}" for name, share in frame[LABEL].value_counts(normalize=True).items())
    print(f"{args.csv}: {len(frame)} rows, {x.shape[1]} features; classes {balance}")
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.3, random_state=args.seed)

    results = {}
    hgb = HistGradientBoostingClassifier(random_state=args.seed)
    hgb.fit(x_train, y_train)
    results["sklearn HistGradientBoosting"] = float((hgb.predict(x_val) == y_val).mean())

    try:
        import xgboost
    except ImportError:
        print("xgboost not importable; skipped")
    else:
        booster = xgboost.XGBClassifier(
            tree_method="hist",
            max_depth=8,
            learning_rate=0.3,
            n_estimators=1000,
            early_stopping_rounds=50,
            eval_metric="mlogloss",
            random_state=args.seed,
        )
        booster.fit(x_train, y_train, eval_set=[(x_val, y_val)], verbose=False)
        results[f"xgboost {xgboost.__version__} (best iteration {booster.best_iteration})"] = float(
            (booster.predict(x_val) == y_val).mean()
        )

    ok = True
    for name, accuracy in results.items():
        inside = args.min <= accuracy <= args.max
        ok = ok and inside
        print(f"{name}: validation accuracy {accuracy:.4f}{'' if inside else '  (outside target range)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
