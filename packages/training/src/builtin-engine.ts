import {
  GbdtModel,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  metricNameWithClass,
  resolveParams,
  train,
} from "@ct/gbdt";
import { UsageError } from "@ct/step-kit";
import type { FeatureFrame } from "./dataset.ts";
import type { ConfigurationInput, ConfigurationResult, Engine, SerializedModel } from "./engine.ts";
import type { ParamValue } from "./model-config.ts";

function gbdtRows(frame: FeatureFrame) {
  return { features: frame.numeric, categorical: frame.categorical, text: frame.text };
}

function loadBuiltin(model: SerializedModel): GbdtModel {
  if (model.engine !== "builtin")
    throw new UsageError(`a ${model.engine} model cannot be scored by the built-in engine`);
  return GbdtModel.fromJSON(model.json);
}

/** ct's own CatBoost-style trainer (`@ct/gbdt`): runs wherever Node runs. */
export const builtinEngine: Engine = {
  name: "builtin",
  description: `${MODEL_FORMAT} ${MODEL_FORMAT_VERSION}`,

  checkParams(params: Readonly<Record<string, ParamValue>>): void {
    try {
      resolveParams(params);
    } catch (error) {
      throw new UsageError(`built-in engine: ${(error as Error).message}`);
    }
  },

  async trainConfiguration(input: ConfigurationInput): Promise<ConfigurationResult> {
    const started = performance.now();
    const { learn, eval: evalFrame, params } = input;
    const result = train(
      { ...gbdtRows(learn), labels: learn.labels },
      { ...params, cat_features: Object.keys(learn.categorical), text_features: Object.keys(learn.text) },
      { eval: { ...gbdtRows(evalFrame), labels: evalFrame.labels } },
    );
    const json = JSON.stringify(result.model.toJSON());
    const classes = result.model.json.classes;
    // CatBoost names per-class metrics by class index (`F1:class=0`); ct logs the label
    // (`F1:class=Good`) unless the label has characters an MLflow key cannot hold.
    const named = (curves: Record<string, number[]>) =>
      Object.fromEntries(
        Object.entries(curves).map(([name, values]) => {
          const labelled = metricNameWithClass(name, classes);
          return [/^[\w.\-:= /]+$/.test(labelled) ? labelled : name, values];
        }),
      );
    const learnMetrics = named(result.learnMetrics);
    const evalMetrics = named(result.evalMetrics ?? {});
    const iterationsTrained = Math.max(0, ...Object.values(learnMetrics).map((values) => values.length));
    return {
      bestIteration: result.bestIteration,
      iterationsTrained,
      learnMetrics,
      evalMetrics,
      classes,
      evalProbabilities: result.model.predictProba(gbdtRows(evalFrame)),
      featureImportance: result.model.featureImportance(),
      model: { engine: "builtin", json },
      seconds: (performance.now() - started) / 1000,
    };
  },

  async predictProbabilities(model: SerializedModel, rows: FeatureFrame): Promise<Float64Array> {
    return loadBuiltin(model).predictProba(gbdtRows(rows));
  },
};
