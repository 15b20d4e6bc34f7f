import { randomBytes, randomUUID } from "node:crypto";

/** A run id as MLflow makes it: `uuid4().hex` (32 lowercase hex digits). */
export function newRunId(): string {
  return randomUUID().replaceAll("-", "");
}

/** A LoggedModel id as MLflow 3 makes it: `m-` + `uuid4().hex`. */
export function newModelId(): string {
  return `m-${newRunId()}`;
}

/**
 * A numeric experiment id like MLflow's `_generate_unique_integer_id`: 18 decimal digits, first
 * one non-zero, so it fits a signed 64-bit integer (SQL stores and `mlflow migrate-filestore`).
 */
export function newExperimentId(): string {
  const random = randomBytes(8).readBigUInt64BE() % 900_000_000_000_000_000n;
  return String(random + 100_000_000_000_000_000n);
}
