import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { csvField } from "@ct/preprocessing";
import { createScratchDirectory, writeFileAtomically } from "@ct/step-kit";
import { frameFromRecords, readCsvRecords } from "./dataset.ts";
import { type EngineOptions, engineByName } from "./engines.ts";
import { argmaxLabels } from "./metrics.ts";
import { applyScalers } from "./scalers.ts";
import { loadTrainedModel } from "./stored-model.ts";

export interface PredictOptions {
  readonly storeRoot: string;
  /** `name`, `name:latest` or `name:version`. */
  readonly tag: string;
  /** Raw feature rows: the snapshot's columns (unscaled); extra columns are ignored. */
  readonly inputCsv: string;
  readonly outputCsv: string;
  readonly engineOptions: EngineOptions;
}

export interface PredictSummary {
  readonly model: string;
  readonly rows: number;
  readonly output: string;
  readonly classes: readonly string[];
  /** Accuracy against the input's target column, when it has one. */
  readonly accuracy?: number;
}

/**
 * Batch scoring with a stored model: scales the raw rows with the model's own scalers, predicts
 * with its engine and writes the key columns, the predicted class and one probability per class.
 */
export async function predictCsv(options: PredictOptions): Promise<PredictSummary> {
  const loaded = await loadTrainedModel(options.storeRoot, options.tag);
  const { schema, classes } = loaded.bundle;
  const { header, records } = await readCsvRecords(options.inputCsv, "input CSV");
  const raw = frameFromRecords(header, records, schema, "input CSV");
  const rows = applyScalers(raw, loaded.scalers);
  const engine = engineByName(loaded.bundle.engine, options.engineOptions);
  const workDir = await createScratchDirectory(tmpdir(), "ct-predict-");
  let probabilities: Float64Array;
  try {
    probabilities = await engine.predictProbabilities(loaded.model, rows, workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const predicted = argmaxLabels(probabilities, classes);

  const keyColumns = schema.drop.filter((column) => header.includes(column));
  const keyIndexes = keyColumns.map((column) => header.indexOf(column));
  const targetIndex = header.indexOf(schema.target);
  const lines = [
    [...keyColumns, "prediction", ...classes.map((label) => `probability_${label}`)].map(csvField).join(","),
  ];
  let correct = 0;
  for (let row = 0; row < raw.rows; row++) {
    const record = records[row] ?? [];
    const label = predicted[row] as string;
    if (targetIndex >= 0 && record[targetIndex] === label) correct++;
    const cells = [
      ...keyIndexes.map((index) => csvField(record[index] ?? "")),
      csvField(label),
      ...classes.map((_, k) => String(probabilities[row * classes.length + k])),
    ];
    lines.push(cells.join(","));
  }
  await writeFileAtomically(options.outputCsv, `${lines.join("\n")}\n`);
  return {
    model: loaded.tag,
    rows: raw.rows,
    output: options.outputCsv,
    classes,
    ...(targetIndex >= 0 ? { accuracy: correct / raw.rows } : {}),
  };
}
