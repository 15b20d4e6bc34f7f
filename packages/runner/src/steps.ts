import { UsageError } from "@ct/step-kit";

/** ct's pipeline, in the order its steps run. */
export const PIPELINE_STEPS = ["extract", "preprocess", "train"] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

export function isPipelineStep(value: string): value is PipelineStep {
  return (PIPELINE_STEPS as readonly string[]).includes(value);
}

/**
 * Parses `--steps` (`extract,preprocess`): known names, no repeats, at least one. The steps
 * always run in pipeline order (extract → preprocess → train), whatever order they are listed in.
 */
export function parseStepList(text: string): PipelineStep[] {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (names.length === 0) {
    throw new UsageError(
      `invalid --steps ${JSON.stringify(text)}: name at least one of ${PIPELINE_STEPS.join(", ")}`,
    );
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (!isPipelineStep(name)) {
      throw new UsageError(
        `invalid --steps ${JSON.stringify(text)}: unknown step ${JSON.stringify(name)}; expected some of ${PIPELINE_STEPS.join(", ")}`,
      );
    }
    if (seen.has(name))
      throw new UsageError(`invalid --steps ${JSON.stringify(text)}: ${name} is listed twice`);
    seen.add(name);
  }
  return PIPELINE_STEPS.filter((step) => seen.has(step));
}
