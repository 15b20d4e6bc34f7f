import { TrackingValidationError } from "./errors.ts";
import type { LogBatch } from "./types.ts";
import {
  type KeyKind,
  limitValue,
  type NormalizedMetric,
  normalizeMetric,
  paramValueToString,
  type ValueLimitPolicy,
  validateKey,
} from "./validation.ts";

/** A validated key/value pair. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/** A {@link LogBatch} after validation: every key checked, values stringified and length-limited. */
export interface NormalizedBatch {
  readonly params: readonly KeyValue[];
  readonly tags: readonly KeyValue[];
  readonly metrics: readonly NormalizedMetric[];
}

/** Validates and stringifies params (no key twice with different values). */
export function normalizeParams(
  params: LogBatch["params"],
  policy: ValueLimitPolicy,
  kind: KeyKind = "param",
): KeyValue[] {
  const out = new Map<string, string>();
  for (const [key, raw] of Object.entries(params ?? {})) {
    validateKey(kind, key);
    const value = limitValue(kind, key, paramValueToString(raw), policy);
    const previous = out.get(key);
    if (previous !== undefined && previous !== value) {
      throw new TrackingValidationError(`${kind} ${JSON.stringify(key)} given twice with different values`);
    }
    out.set(key, value);
  }
  return [...out].map(([key, value]) => ({ key, value }));
}

/** Validates tags (keys by MLflow's rules, values length-limited). */
export function normalizeTags(
  tags: LogBatch["tags"],
  policy: ValueLimitPolicy,
  kind: KeyKind = "tag",
): KeyValue[] {
  return Object.entries(tags ?? {}).map(([key, value]) => {
    validateKey(kind, key);
    return { key, value: limitValue(kind, key, value, policy) };
  });
}

/** Validates a whole batch before anything is written or sent. */
export function normalizeBatch(batch: LogBatch, policy: ValueLimitPolicy, now: number): NormalizedBatch {
  return {
    params: normalizeParams(batch.params, policy),
    tags: normalizeTags(batch.tags, policy),
    metrics: (batch.metrics ?? []).map((point) => normalizeMetric(point, now)),
  };
}
