import type { NormalizedMetric } from "./validation.ts";

/**
 * A metric value as Python's `float()` reads it: JS `String(x)` gives `NaN`, `Infinity`,
 * `-Infinity`, `1e-7`, `0.5`, all of which `float()` accepts.
 */
export function formatMetricValue(value: number): string {
  return String(value);
}

/**
 * One run metric line: `<timestamp_ms> <value> <step>\n`, single spaces, integer timestamp and
 * step (MLflow parses them with `int()`; a blank line or `1.0` step makes the run unreadable).
 */
export function runMetricLine(point: NormalizedMetric): string {
  return `${point.timestamp} ${formatMetricValue(point.value)} ${point.step}\n`;
}

/** One LoggedModel metric line: the run line plus a 4th field, the run id. */
export function modelMetricLine(point: NormalizedMetric, runId: string): string {
  return `${point.timestamp} ${formatMetricValue(point.value)} ${point.step} ${runId}\n`;
}
