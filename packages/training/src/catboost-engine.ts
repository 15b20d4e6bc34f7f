import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildFitArgs, calcProbabilities, catboostVersion, trainWithCatboost } from "@ct/catboost-cli";
import { UsageError } from "@ct/step-kit";
import type { FeatureFrame } from "./dataset.ts";
import type { ConfigurationInput, ConfigurationResult, Engine, SerializedModel } from "./engine.ts";
import type { ParamValue } from "./model-config.ts";

function poolData(frame: FeatureFrame) {
  return { numeric: frame.numeric, categorical: frame.categorical, text: frame.text };
}

/** The real catboost CLI as a trainer (`@ct/catboost-cli`): pools as TSV, `catboost fit`, its outputs read back. */
export function catboostEngine(binary: string): Engine {
  return {
    name: "catboost",
    description: `catboost ${catboostVersion(binary) ?? "unknown"}`,

    checkParams(params: Readonly<Record<string, ParamValue>>): void {
      try {
        buildFitArgs(params, { learn: "l", test: "t", cd: "c", trainDir: "d", modelFile: "m" });
      } catch (error) {
        throw new UsageError(`catboost engine: ${(error as Error).message}`);
      }
    },

    async trainConfiguration(input: ConfigurationInput): Promise<ConfigurationResult> {
      const started = performance.now();
      const result = await trainWithCatboost(binary, {
        learn: { ...poolData(input.learn), labels: input.learn.labels },
        eval: { ...poolData(input.eval), labels: input.eval.labels },
        params: input.params,
        workDir: input.workDir,
      });
      const cbm = new Uint8Array(await readFile(result.modelCbm));
      const model: SerializedModel = {
        engine: "catboost",
        cbm,
        json: result.modelJson === undefined ? undefined : JSON.stringify(result.modelJson),
      };
      const evalProbabilities = await calcProbabilities(binary, {
        modelFile: result.modelCbm,
        data: poolData(input.eval),
        classes: result.classes,
        workDir: join(input.workDir, "calc-eval"),
      });
      return {
        bestIteration: result.bestIteration,
        iterationsTrained: result.iterationsTrained,
        learnMetrics: result.learnMetrics,
        evalMetrics: result.evalMetrics,
        classes: result.classes,
        evalProbabilities,
        featureImportance: result.featureImportance ?? {},
        model,
        seconds: (performance.now() - started) / 1000,
      };
    },

    async predictProbabilities(
      model: SerializedModel,
      rows: FeatureFrame,
      workDir: string,
    ): Promise<Float64Array> {
      if (model.engine !== "catboost")
        throw new UsageError("a built-in model cannot be scored by the catboost engine");
      const modelFile = join(workDir, "model.cbm");
      await writeFile(modelFile, model.cbm);
      return calcProbabilities(binary, { modelFile, data: poolData(rows), classes: undefined, workDir });
    },
  };
}
