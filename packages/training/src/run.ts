import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { readLatestPointer, type SaveModelOptions, setLatest, tagProblem } from "@ct/model-store";
import { preprocessOutputPaths } from "@ct/preprocessing";
import {
  createProgress,
  createScratchDirectory,
  DataContractError,
  type Logger,
  NoInputError,
  silentLogger,
  throwIfInterrupted,
  UsageError,
} from "@ct/step-kit";
import type { TrackingClient } from "@ct/tracking";
import { type FeatureSchema, hashFiles, readLabelledCsv } from "./dataset.ts";
import type { ConfigurationResult, EngineName } from "./engine.ts";
import { type EngineOptions, engineByName } from "./engines.ts";
import { decidePromotion, type GateDecision, type PromotePolicy } from "./gate.ts";
import { configurationParams, runGrid } from "./grid-runner.ts";
import { argmaxLabels, classificationReport, scoresAt } from "./metrics.ts";
import { expandGrid, type ModelConfig, type ParamValue } from "./model-config.ts";
import { confusionMatrixSvg, trainingReportMarkdown } from "./report.ts";
import { readScalers, unapplyScalers } from "./scalers.ts";
import { isBetter, type ScoredConfiguration, scoreConfiguration } from "./selection.ts";
import { writingTo } from "./storage-errors.ts";
import { saveTrainedModel } from "./stored-model.ts";
import { experimentName, logConfigurationRun } from "./tracking-log.ts";

export interface TrainOptions {
  readonly modelName: string;
  readonly baseDt: string;
  readonly artifactsPath: string;
  readonly modelStorePath: string;
  readonly config: ModelConfig;
  readonly engine: EngineName;
  readonly engineOptions: EngineOptions;
  /** Opens the MLflow client; called once the inputs have been checked (so bad input writes nothing). */
  readonly tracking: () => Promise<TrackingClient>;
  readonly promote: PromotePolicy;
  /** Time zone of the experiment name's timestamp. */
  readonly timeZone: string;
  /** Worker threads for the grid (1 = this thread). */
  readonly workers: number;
  /** The bin that serves as worker script (see `runGridWorkerIfWorker`). */
  readonly workerUrl?: URL;
  /** ct's version, recorded as a tag and in the model metadata. */
  readonly ctVersion: string;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
  /** Called at each step of the model-store save (see `saveTrainedModel`; fault-injection tests). */
  readonly onSaveStep?: SaveModelOptions["onStep"];
}

export interface TrainResultSummary {
  readonly modelName: string;
  readonly baseDt: string;
  readonly engine: EngineName;
  readonly experiment: { readonly name: string; readonly id: string };
  readonly configurations: number;
  readonly best: {
    readonly run: string;
    readonly runId: string;
    readonly params: Readonly<Record<string, ParamValue>>;
    readonly bestIteration: number;
    readonly metrics: Readonly<Record<string, number>>;
  };
  readonly validationAccuracy: number;
  readonly gate: GateDecision;
  readonly model: { readonly tag: string; readonly path: string; readonly latest: boolean };
  readonly dataHash: string;
  readonly seconds: number;
}

function sameSchema(a: FeatureSchema, b: FeatureSchema): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function lossName(params: Readonly<Record<string, ParamValue>>): string {
  const loss = params.eval_metric ?? params.loss_function;
  return typeof loss === "string" ? loss : "MultiClass";
}

/**
 * The train step: reads the preprocess outputs of `baseDt`, trains every configuration of the
 * grid, records each as an MLflow run, picks the best by validation accuracy, applies the
 * promotion gate and saves the model with its scalers, schema and report to the model store.
 */
export async function runTrain(options: TrainOptions): Promise<TrainResultSummary> {
  const started = performance.now();
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const { config, modelName, baseDt } = options;
  // The store's rule (BentoML's tag rule) is stricter than the steps' (no trailing '-', '_', '.'):
  // checked first, so such a name fails as usage before a whole grid is trained and tracked.
  const nameProblem = tagProblem(modelName);
  if (nameProblem !== undefined)
    throw new UsageError(
      `invalid model_name ${JSON.stringify(modelName)} for the model store: ${nameProblem} (BentoML tags match ^[a-z0-9]([-._a-z0-9]*[a-z0-9])?$, at most 63 characters)`,
    );
  const paths = preprocessOutputPaths(options.artifactsPath, modelName, baseDt);
  if (!existsSync(paths.directory))
    throw new NoInputError(
      `no preprocess outputs for model ${modelName} and base_dt ${baseDt} (${paths.directory}); run preprocess first`,
    );
  const [{ frame: learn, schema }, { frame: validation, schema: validationSchema }, scalerFile] =
    await Promise.all([
      readLabelledCsv(paths.trainCsv, config, "train CSV"),
      readLabelledCsv(paths.valCsv, config, "val CSV"),
      readScalers(paths.scalerJson),
    ]);
  if (!sameSchema(schema, validationSchema))
    throw new DataContractError("the train and val CSVs have different columns; re-run preprocess");
  // A numeric feature without a scaler would pass through unscaled at predict time (and in the
  // gate): the stored model would silently score raw values it never saw. Refuse such inputs.
  const unscaled = schema.numeric.filter((feature) => !scalerFile.scalers.has(feature));
  if (unscaled.length > 0)
    throw new DataContractError(
      `the scaler file ${paths.scalerJson} has no scaler for the numeric feature(s) ${unscaled.join(", ")}; re-run preprocess`,
    );
  const dataHash = await hashFiles([paths.trainCsv, paths.valCsv, paths.scalerJson]);
  logger.info(
    `train ${learn.rows} rows, val ${validation.rows} rows; ${schema.numeric.length} numeric, ${schema.categorical.length} categorical, ${schema.text.length} text features`,
  );

  const engine = engineByName(options.engine, options.engineOptions);
  const configurations = expandGrid(config.grid);
  for (const configuration of configurations)
    engine.checkParams(configurationParams(config.params, configuration));
  throwIfInterrupted(options.signal);

  const trackingStore = "the MLflow tracking store";
  const modelStore = `the model store ${options.modelStorePath}`;
  const tracking = await writingTo(trackingStore, options.tracking);
  const startedAt = now();
  const name = experimentName(startedAt, options.timeZone);
  const experimentId = await writingTo(trackingStore, () => tracking.getOrCreateExperiment(name));
  logger.info(`MLflow experiment ${name} (id ${experimentId}) at ${tracking.displayUri}`);
  const tags = {
    estimator_name: options.engine === "catboost" ? "CatBoostClassifier" : "GbdtClassifier",
    engine: engine.description,
    model_name: modelName,
    base_dt: baseDt,
    ct_version: options.ctVersion,
    data_hash: dataHash,
  };
  const loss = lossName(config.params);
  const progress = createProgress(logger, { label: "grid", total: configurations.length, unit: "configs" });
  let best: (ScoredConfiguration & { runId: string }) | undefined;
  const workDir = await writingTo(`train's scratch folder in ${tmpdir()}`, () =>
    createScratchDirectory(tmpdir(), "ct-train-"),
  );
  try {
    await writingTo(`train's scratch folder ${workDir}`, () =>
      runGrid({
        engine: options.engine,
        engineOptions: options.engineOptions,
        configurations,
        fixedParams: config.params,
        learn,
        eval: validation,
        workDir,
        workers: options.workers,
        ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onResult: async (configuration, result: ConfigurationResult) => {
          const runId = await writingTo(trackingStore, () =>
            logConfigurationRun(tracking, {
              experimentId,
              configuration,
              result,
              schema,
              engineDescription: engine.description,
              tags,
              startTime: Date.now() - Math.round(result.seconds * 1000),
            }),
          );
          const scored = scoreConfiguration(configuration, result, loss);
          logger.info(
            `Run ${configuration.index} ${JSON.stringify(configuration.values)}: accuracy ${scored.accuracy.toFixed(4)}, ${loss} ${scored.loss.toFixed(5)}, best iteration ${result.bestIteration}, ${result.seconds.toFixed(1)}s`,
          );
          if (isBetter(scored, best)) best = { ...scored, runId };
          progress.advance(1);
        },
      }),
    );
    progress.finish();
    if (!best) throw new NoInputError("the grid has no configurations");
    const winner = best;
    throwIfInterrupted(options.signal);

    const predicted = argmaxLabels(winner.result.evalProbabilities, winner.result.classes);
    const validationReport = classificationReport(validation.labels, predicted, winner.result.classes);
    const gate = await decidePromotion({
      policy: options.promote,
      storeRoot: options.modelStorePath,
      modelName,
      newAccuracy: validationReport.accuracy,
      validationRaw: unapplyScalers(validation, scalerFile.scalers),
      validationLabels: validation.labels,
      engineOptions: options.engineOptions,
      workDir,
    });
    logger.info(
      `promotion (${options.promote}): ${gate.promote ? "promote" : "keep current"} — ${gate.reason}`,
    );

    const bestParams = configurationParams(config.params, winner.configuration);
    const bestRunName = `Run ${winner.configuration.index}`;
    const seconds = (performance.now() - started) / 1000;
    const reportMarkdown = trainingReportMarkdown({
      modelName,
      baseDt,
      engine: engine.description,
      experimentName: name,
      bestRunName,
      bestParams: winner.configuration.values,
      bestIteration: winner.result.bestIteration,
      configurations: configurations.length,
      seconds,
      validation: validationReport,
      gate: {
        decision: gate.promote ? "promoted to latest" : "kept the current latest",
        reason: gate.reason,
      },
      dataHash,
    });
    const svg = confusionMatrixSvg(validationReport, `${modelName} ${baseDt}: validation confusion matrix`);
    await writingTo(trackingStore, async () => {
      await tracking.logArtifact(winner.runId, "report/report.md", reportMarkdown);
      await tracking.logArtifact(winner.runId, "report/confusion_matrix.svg", svg);
    });

    const metrics = scoresAt(winner.result.evalMetrics, winner.result.bestIteration);
    const saved = await writingTo(modelStore, () =>
      saveTrainedModel({
        storeRoot: options.modelStorePath,
        modelName,
        engineDescription: engine.description,
        model: winner.result.model,
        classes: winner.result.classes,
        schema,
        scalersText: scalerFile.text,
        reportMarkdown,
        confusionMatrixSvg: svg,
        metadata: {
          base_dt: baseDt,
          engine: engine.description,
          params: bestParams,
          best_iteration: winner.result.bestIteration,
          validation_metrics: metrics,
          validation_accuracy: validationReport.accuracy,
          classes: [...winner.result.classes],
          data_hash: dataHash,
          mlflow_experiment: name,
          mlflow_run_id: winner.runId,
          promotion: { policy: options.promote, promoted: gate.promote, reason: gate.reason },
          ct_version: options.ctVersion,
        },
        labels: { engine: options.engine, base_dt: baseDt },
        setLatest: gate.promote,
        creationTime: now(),
        ...(options.onSaveStep ? { onSaveStep: options.onSaveStep } : {}),
      }),
    );
    if (!gate.promote && gate.currentVersion !== undefined) {
      // The gate kept the current model, which `latest` may reach only through BentoML's fallback
      // (a `latest` file naming a missing version): that fallback picks the newest version — the
      // model just refused. Point `latest` at the kept model explicitly.
      const pointer = await readLatestPointer(options.modelStorePath, modelName);
      if (pointer !== gate.currentVersion) {
        const kept = gate.currentVersion;
        await writingTo(modelStore, () => setLatest(options.modelStorePath, modelName, kept));
        logger.warn(
          `${pointer === undefined ? "there was no latest file" : `latest named ${JSON.stringify(pointer)}, which does not exist`}; pointed latest at the kept model ${gate.currentVersion}`,
        );
      }
    }
    await writingTo(trackingStore, () =>
      tracking.setTags(winner.runId, { best_run: "true", model_store_tag: saved.tag }),
    );
    logger.info(`saved ${saved.tag} to ${saved.path}${gate.promote ? " (latest)" : ""}`);
    return {
      modelName,
      baseDt,
      engine: options.engine,
      experiment: { name, id: experimentId },
      configurations: configurations.length,
      best: {
        run: bestRunName,
        runId: winner.runId,
        params: bestParams,
        bestIteration: winner.result.bestIteration,
        metrics,
      },
      validationAccuracy: validationReport.accuracy,
      gate,
      model: { tag: saved.tag, path: saved.path, latest: gate.promote },
      dataHash,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
