import {
  type ArtifactContent,
  catboostFlavors,
  type MetricPoint,
  type ModelSignature,
  mlflowMetricKey,
  type TrackingClient,
} from "@ct/tracking";
import type { FeatureSchema } from "./dataset.ts";
import type { ConfigurationResult, SerializedModel } from "./engine.ts";
import { bestScores, scoresAt } from "./metrics.ts";
import type { GridConfiguration } from "./model-config.ts";

/** The experiment name of one training run: `training-YYYY-MM-DD-HHMMSS` in the given time zone. */
export function experimentName(started: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(started)
      .map((part) => [part.type, part.value]),
  );
  return `training-${parts.year}-${parts.month}-${parts.day}-${parts.hour}${parts.minute}${parts.second}`;
}

/** The MLflow input signature of a model trained on `schema`. */
export function modelSignature(schema: FeatureSchema, classes: readonly string[]): ModelSignature {
  return {
    inputs: [
      ...schema.numeric.map((name) => ({ name, type: "double" as const })),
      ...schema.categorical.map((name) => ({ name, type: "string" as const })),
      ...schema.text.map((name) => ({ name, type: "string" as const })),
    ],
    outputs: [{ tensor: { dtype: "float64", shape: [-1, classes.length] } }],
  };
}

/** The files and flavors of a model as an MLflow model. */
export function mlflowModel(model: SerializedModel, engineDescription: string) {
  if (model.engine === "catboost") {
    return {
      flavors: catboostFlavors({
        catboostVersion: engineDescription.split(" ")[1] ?? "unknown",
        pythonVersion: "3.11.2",
      }),
      files: { "model.cb": model.cbm } as Record<string, ArtifactContent>,
    };
  }
  return {
    flavors: { ct_gbdt: { data: "model.json", format: engineDescription } },
    files: { "model.json": model.json } as Record<string, ArtifactContent>,
  };
}

export interface ConfigurationRunInput {
  readonly experimentId: string;
  readonly configuration: GridConfiguration;
  readonly result: ConfigurationResult;
  readonly schema: FeatureSchema;
  readonly engineDescription: string;
  /** Tags every run carries: estimator_name, engine, model_name, base_dt, ct_version, … */
  readonly tags: Readonly<Record<string, string>>;
  readonly startTime: number;
}

/** The params of a run: the grid values plus `iterations` = the trees of the kept model. */
export function runParams(
  configuration: GridConfiguration,
  result: ConfigurationResult,
): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(configuration.values))
    params[key] = typeof value === "object" ? JSON.stringify(value) : value;
  return { ...params, iterations: result.bestIteration + 1 };
}

/**
 * The metrics of a run. `<metric>` = the best validation value over all iterations (CatBoost's
 * `get_best_score()`, as the reference logs it) with `=` replaced by a space; `model <metric>` =
 * the kept model's validation value (at the best iteration); learning curves as
 * `learn/<metric>` and `validation/<metric>` with one step per iteration.
 */
export function runMetrics(result: ConfigurationResult, timestamp: number): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const [metric, value] of Object.entries(bestScores(result.evalMetrics)))
    points.push({ key: mlflowMetricKey(metric), value, step: 0, timestamp });
  for (const [metric, value] of Object.entries(scoresAt(result.evalMetrics, result.bestIteration)))
    points.push({ key: `model ${mlflowMetricKey(metric)}`, value, step: 0, timestamp });
  for (const [prefix, curves] of [
    ["learn", result.learnMetrics],
    ["validation", result.evalMetrics],
  ] as const) {
    for (const [metric, values] of Object.entries(curves))
      values.forEach((value, step) => {
        points.push({ key: `${prefix}/${mlflowMetricKey(metric)}`, value, step, timestamp });
      });
  }
  return points;
}

/** Records one configuration as one finished MLflow run (params, metrics, tags, model); returns its id. */
export async function logConfigurationRun(
  client: TrackingClient,
  input: ConfigurationRunInput,
): Promise<string> {
  const { configuration, result } = input;
  const runId = await client.createRun({
    experimentId: input.experimentId,
    runName: `Run ${configuration.index}`,
    tags: input.tags,
    startTime: input.startTime,
  });
  try {
    const now = Date.now();
    await client.logBatch(runId, {
      params: runParams(configuration, result),
      metrics: runMetrics(result, now),
      tags: { best_iteration: String(result.bestIteration), fit_seconds: result.seconds.toFixed(3) },
    });
    const { flavors, files } = mlflowModel(result.model, input.engineDescription);
    await client.logModel(runId, {
      name: "model",
      flavors,
      files,
      signature: modelSignature(input.schema, result.classes),
      step: result.bestIteration,
      metrics: Object.entries(scoresAt(result.evalMetrics, result.bestIteration)).map(([metric, value]) => ({
        key: mlflowMetricKey(metric),
        value,
        step: result.bestIteration,
        timestamp: now,
      })),
    });
    await client.endRun(runId, "FINISHED");
  } catch (error) {
    await client.endRun(runId, "FAILED").catch(() => undefined);
    throw error;
  }
  return runId;
}
