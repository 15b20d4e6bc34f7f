import type { ConfigurationResult } from "./engine.ts";
import { scoresAt } from "./metrics.ts";
import type { GridConfiguration } from "./model-config.ts";

export interface ScoredConfiguration {
  readonly configuration: GridConfiguration;
  readonly result: ConfigurationResult;
  /** The kept model's validation accuracy (at the best iteration). */
  readonly accuracy: number;
  /** The kept model's validation loss (the eval metric at the best iteration). */
  readonly loss: number;
}

/** The kept model's validation accuracy and loss, from its learning curves. */
export function scoreConfiguration(
  configuration: GridConfiguration,
  result: ConfigurationResult,
  lossName: string,
): ScoredConfiguration {
  const scores = scoresAt(result.evalMetrics, result.bestIteration);
  return {
    configuration,
    result,
    accuracy: scores.Accuracy ?? Number.NEGATIVE_INFINITY,
    loss: scores[lossName] ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * True when `candidate` beats `incumbent`: higher validation accuracy, then lower validation loss,
 * then the earlier configuration — so the choice never depends on the order results arrive in.
 */
export function isBetter(
  candidate: ScoredConfiguration,
  incumbent: ScoredConfiguration | undefined,
): boolean {
  if (!incumbent) return true;
  if (candidate.accuracy !== incumbent.accuracy) return candidate.accuracy > incumbent.accuracy;
  if (candidate.loss !== incumbent.loss) return candidate.loss < incumbent.loss;
  return candidate.configuration.index < incumbent.configuration.index;
}
