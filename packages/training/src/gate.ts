import { latestVersion } from "@ct/model-store";
import type { FeatureFrame } from "./dataset.ts";
import { type EngineOptions, engineByName } from "./engines.ts";
import { argmaxLabels, classificationReport } from "./metrics.ts";
import { applyScalers } from "./scalers.ts";
import { loadTrainedModel } from "./stored-model.ts";

export const PROMOTE_POLICIES = ["always", "if-better"] as const;
export type PromotePolicy = (typeof PROMOTE_POLICIES)[number];

export interface GateDecision {
  readonly promote: boolean;
  readonly reason: string;
  readonly newAccuracy: number;
  readonly currentVersion?: string;
  readonly currentAccuracy?: number;
}

export interface GateInput {
  readonly policy: PromotePolicy;
  readonly storeRoot: string;
  readonly modelName: string;
  /** The new model's accuracy on this run's validation rows. */
  readonly newAccuracy: number;
  /** This run's validation rows with raw (unscaled) numeric values, and their labels. */
  readonly validationRaw: FeatureFrame;
  readonly validationLabels: readonly string[];
  readonly engineOptions: EngineOptions;
  readonly workDir: string;
}

/** The current `latest` model's accuracy on the given raw validation rows (scaled with its own scalers). */
async function currentAccuracy(input: GateInput): Promise<{ version: string; accuracy: number }> {
  const current = await loadTrainedModel(input.storeRoot, `${input.modelName}:latest`);
  const engine = engineByName(current.bundle.engine, input.engineOptions);
  const rows = applyScalers(input.validationRaw, current.scalers);
  const probabilities = await engine.predictProbabilities(current.model, rows, input.workDir);
  const predicted = argmaxLabels(probabilities, current.bundle.classes);
  return {
    version: current.version,
    accuracy: classificationReport(input.validationLabels, predicted, current.bundle.classes).accuracy,
  };
}

/**
 * The promotion gate. `always` (the reference's behaviour) promotes every new model;
 * `if-better` keeps the current `latest` unless the new model's validation accuracy is strictly
 * higher on this run's validation rows. A current model that cannot be scored on them (another
 * schema, a catboost model without the binary) does not block the new one; the reason says so.
 */
export async function decidePromotion(input: GateInput): Promise<GateDecision> {
  const newAccuracy = input.newAccuracy;
  if (input.policy === "always") return { promote: true, reason: "policy always", newAccuracy };
  const version = await latestVersion(input.storeRoot, input.modelName);
  if (version === undefined) return { promote: true, reason: "no current model", newAccuracy };
  let current: { version: string; accuracy: number };
  try {
    current = await currentAccuracy(input);
  } catch (error) {
    return {
      promote: true,
      reason: `current model ${version} could not be scored on this validation set (${(error as Error).message})`,
      newAccuracy,
      currentVersion: version,
    };
  }
  const promote = newAccuracy > current.accuracy;
  return {
    promote,
    reason: `${promote ? "new model is better" : "current model is as good or better"}: new ${newAccuracy.toFixed(4)} vs current ${current.accuracy.toFixed(4)}`,
    newAccuracy,
    currentVersion: current.version,
    currentAccuracy: current.accuracy,
  };
}
