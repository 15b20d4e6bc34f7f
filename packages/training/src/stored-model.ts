import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { getModel, removeStaleTemporaries, type SaveModelOptions, saveModel } from "@ct/model-store";
import { DataContractError } from "@ct/step-kit";
import type { FeatureSchema } from "./dataset.ts";
import type { EngineName, SerializedModel } from "./engine.ts";
import { parseScalers, type Scalers } from "./scalers.ts";

/** File names inside a stored model's version folder. */
export const STORED_FILES = {
  builtinModel: "model.json",
  /** BentoML's `bentoml.catboost` MODEL_FILENAME. */
  catboostModel: "saved_model.cbm",
  catboostJson: "catboost_model.json",
  bundle: "ct_model.json",
  scalers: "scalers.json",
  report: "report.md",
  confusionMatrix: "confusion_matrix.svg",
} as const;

/** `ct_model.json`: what ct needs to score with a stored model besides the model file. */
export interface ModelBundle {
  readonly format: "ct-model-bundle";
  readonly version: 1;
  readonly engine: EngineName;
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
}

export interface SaveTrainedModelInput {
  readonly storeRoot: string;
  readonly modelName: string;
  readonly engineDescription: string;
  readonly model: SerializedModel;
  readonly classes: readonly string[];
  readonly schema: FeatureSchema;
  /** The preprocess run's scaler document, stored verbatim. */
  readonly scalersText: string;
  readonly reportMarkdown: string;
  readonly confusionMatrixSvg: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly setLatest: boolean;
  readonly creationTime: Date;
  /** Called at each step of the save (fault-injection tests pause or fail there). */
  readonly onSaveStep?: SaveModelOptions["onStep"];
}

/**
 * Saves a trained model with its scalers, schema and report into the BentoML-compatible store.
 * A catboost model is a real `saved_model.cbm` under `module: bentoml.catboost` (loadable by
 * `bentoml.catboost.load_model`); a built-in model says what it is (`module: ct.gbdt`) and is
 * served by ct's predictor.
 */
export async function saveTrainedModel(input: SaveTrainedModelInput) {
  const bundle: ModelBundle = {
    format: "ct-model-bundle",
    version: 1,
    engine: input.model.engine,
    classes: [...input.classes],
    schema: input.schema,
  };
  const files: Record<string, Uint8Array | string> = {
    [STORED_FILES.bundle]: `${JSON.stringify(bundle, null, 2)}\n`,
    [STORED_FILES.scalers]: input.scalersText,
    [STORED_FILES.report]: input.reportMarkdown,
    [STORED_FILES.confusionMatrix]: input.confusionMatrixSvg,
  };
  const [framework, frameworkVersion = "unknown"] = input.engineDescription.split(" ");
  if (input.model.engine === "catboost") {
    files[STORED_FILES.catboostModel] = input.model.cbm;
    if (input.model.json !== undefined) files[STORED_FILES.catboostJson] = input.model.json;
  } else {
    files[STORED_FILES.builtinModel] = input.model.json;
  }
  const catboost = input.model.engine === "catboost";
  // What earlier saves killed mid-way left in the store's scratch area (older than an hour, so a
  // save running concurrently is left alone); best effort, it never fails this save.
  await removeStaleTemporaries(input.storeRoot).catch(() => []);
  return saveModel(
    input.storeRoot,
    {
      name: input.modelName,
      module: catboost ? "bentoml.catboost" : "ct.gbdt",
      labels: { ...input.labels },
      options: catboost ? { training_class_name: "CatBoostClassifier" } : {},
      metadata: { ...input.metadata },
      context: {
        frameworkName: catboost ? "catboost" : (framework ?? "ct-gbdt"),
        frameworkVersions: { [catboost ? "catboost" : (framework ?? "ct-gbdt")]: frameworkVersion },
      },
      signatures: catboost
        ? { predict: { batchable: false }, predict_proba: { batchable: false } }
        : { predict: { batchable: true, batch_dim: 0 }, predict_proba: { batchable: true, batch_dim: 0 } },
      files,
      creationTime: input.creationTime,
      setLatest: input.setLatest,
    },
    input.onSaveStep ? { onStep: input.onSaveStep } : {},
  );
}

/** A stored model, loaded for scoring. */
export interface LoadedModel {
  readonly tag: string;
  readonly version: string;
  readonly path: string;
  readonly bundle: ModelBundle;
  readonly model: SerializedModel;
  readonly scalers: Scalers;
  readonly metadata: Readonly<Record<string, unknown>>;
}

async function readStoredFile(directory: string, name: string, tag: string): Promise<Buffer> {
  try {
    return await readFile(join(directory, name));
  } catch (error) {
    throw new DataContractError(
      `stored model ${tag} lacks ${name} (${(error as NodeJS.ErrnoException).code ?? String(error)}); it was not written by ct train`,
    );
  }
}

/** Loads `name:version` (or `name:latest`) from the store with everything scoring needs. */
export async function loadTrainedModel(storeRoot: string, tag: string): Promise<LoadedModel> {
  const stored = await getModel(storeRoot, tag);
  const directory = stored.path;
  const resolvedTag = stored.tag;
  let bundle: ModelBundle;
  try {
    bundle = JSON.parse((await readStoredFile(directory, STORED_FILES.bundle, resolvedTag)).toString("utf8"));
  } catch (error) {
    if (error instanceof DataContractError) throw error;
    throw new DataContractError(`stored model ${resolvedTag}: ${STORED_FILES.bundle} is not JSON`);
  }
  if (bundle?.format !== "ct-model-bundle" || bundle.version !== 1)
    throw new DataContractError(
      `stored model ${resolvedTag}: ${STORED_FILES.bundle} is not a ct model bundle v1`,
    );
  const model: SerializedModel =
    bundle.engine === "catboost"
      ? {
          engine: "catboost",
          cbm: new Uint8Array(await readStoredFile(directory, STORED_FILES.catboostModel, resolvedTag)),
          json: undefined,
        }
      : {
          engine: "builtin",
          json: (await readStoredFile(directory, STORED_FILES.builtinModel, resolvedTag)).toString("utf8"),
        };
  const scalersText = (await readStoredFile(directory, STORED_FILES.scalers, resolvedTag)).toString("utf8");
  return {
    tag: resolvedTag,
    version: stored.version,
    path: directory,
    bundle,
    model,
    scalers: parseScalers(scalersText, `of ${resolvedTag}`),
    metadata: stored.metadata,
  };
}
