import { readFile } from "node:fs/promises";
import { DataContractError, NoInputError } from "@ct/step-kit";
import type { FeatureFrame } from "./dataset.ts";

/** One fitted RobustScaler: `scaled = (raw − center) / scale`. */
export interface Scaler {
  readonly center: number;
  readonly scale: number;
}

/** The fitted scalers of a preprocess run, by feature (`encoders/robust_scaler.json`). */
export type Scalers = ReadonlyMap<string, Scaler>;

/** Parses a scaler document; a missing, non-finite or zero parameter is a DataContractError. */
export function parseScalers(text: string, source: string): Scalers {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new DataContractError(`scaler file ${source} is not JSON: ${(error as Error).message}`);
  }
  const features = (document as { features?: unknown } | null)?.features;
  if (typeof features !== "object" || features === null)
    throw new DataContractError(`scaler file ${source} has no "features" object`);
  const scalers = new Map<string, Scaler>();
  for (const [feature, value] of Object.entries(features)) {
    const { center, scale } = (value ?? {}) as { center?: unknown; scale?: unknown };
    if (
      typeof center !== "number" ||
      !Number.isFinite(center) ||
      typeof scale !== "number" ||
      !Number.isFinite(scale) ||
      scale === 0
    )
      throw new DataContractError(
        `scaler file ${source}: feature ${JSON.stringify(feature)} has center ${JSON.stringify(center ?? null)} and scale ${JSON.stringify(scale ?? null)}; both must be finite numbers and scale non-zero`,
      );
    scalers.set(feature, { center, scale });
  }
  return scalers;
}

export async function readScalers(path: string): Promise<{ scalers: Scalers; text: string }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new NoInputError(
      `cannot read scaler file ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return { scalers: parseScalers(text, JSON.stringify(path)), text };
}

function mapNumeric(
  frame: FeatureFrame,
  scalers: Scalers,
  map: (value: number, scaler: Scaler) => number,
): FeatureFrame {
  const numeric: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(frame.numeric)) {
    const scaler = scalers.get(name);
    numeric[name] = scaler ? values.map((value) => map(value, scaler)) : values;
  }
  return { ...frame, numeric };
}

/** Raw feature values → the scaled values a model was trained on (features without a scaler pass through). */
export function applyScalers(frame: FeatureFrame, scalers: Scalers): FeatureFrame {
  return mapNumeric(frame, scalers, (value, { center, scale }) => (value - center) / scale);
}

/** Scaled values → raw values (the inverse of {@link applyScalers}). */
export function unapplyScalers(frame: FeatureFrame, scalers: Scalers): FeatureFrame {
  return mapNumeric(frame, scalers, (value, { center, scale }) => value * scale + center);
}
