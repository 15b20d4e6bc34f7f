import type { KeyValue, NormalizedBatch } from "./batch.ts";
import type { NormalizedMetric } from "./validation.ts";

/** MLflow's `log-batch` limits (`mlflow/utils/validation.py`). */
export const LOG_BATCH_LIMITS = {
  metrics: 1000,
  params: 100,
  tags: 100,
  total: 1000,
  /** `MAX_BATCH_LOG_REQUEST_SIZE`, bytes of the JSON request body. */
  bodyBytes: 1_000_000,
} as const;

/** A metric as the REST API takes it; non-finite values travel as the strings `NaN`/`Infinity`/`-Infinity`. */
export interface RestMetric {
  readonly key: string;
  readonly value: number | string;
  readonly timestamp: number;
  readonly step: number;
}

/** The JSON body of one `POST /api/2.0/mlflow/runs/log-batch`. */
export interface LogBatchBody {
  run_id: string;
  metrics: RestMetric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/** A metric in REST form. */
export function restMetric(point: NormalizedMetric): RestMetric {
  const value = Number.isFinite(point.value) ? point.value : String(point.value);
  return { key: point.key, value, timestamp: point.timestamp, step: point.step };
}

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), "utf8");

/**
 * Splits a batch into as few `log-batch` bodies as the limits allow: each body takes up to 100
 * params, then up to 100 tags, then metrics up to 1000 entities in all and ≤ 1 MB of JSON. Params
 * and tags therefore go out first (recorded even if a later call fails) and every item keeps its
 * order. Returns no bodies for an empty batch.
 */
export function splitLogBatch(runId: string, batch: NormalizedBatch): LogBatchBody[] {
  const queues = {
    params: [...batch.params],
    tags: [...batch.tags],
    metrics: batch.metrics.map(restMetric),
  };
  const bodies: LogBatchBody[] = [];
  const remaining = (): number => queues.params.length + queues.tags.length + queues.metrics.length;
  while (remaining() > 0) {
    const body: LogBatchBody = { run_id: runId, metrics: [], params: [], tags: [] };
    let bytes = bytesOf(body);
    let count = 0;
    for (const field of ["params", "tags", "metrics"] as const) {
      const queue: unknown[] = queues[field];
      const target: unknown[] = body[field];
      while (queue.length > 0 && target.length < LOG_BATCH_LIMITS[field] && count < LOG_BATCH_LIMITS.total) {
        const itemBytes = bytesOf(queue[0]) + 1; // + the separating comma
        // An item that alone exceeds the size limit still goes out on its own (the server decides).
        if (count > 0 && bytes + itemBytes > LOG_BATCH_LIMITS.bodyBytes) break;
        target.push(queue.shift());
        bytes += itemBytes;
        count++;
      }
    }
    bodies.push(body);
  }
  return bodies;
}
