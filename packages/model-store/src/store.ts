/**
 * A BentoML-compatible local model store (spec §4): `<storeRoot>/models/<name>/<version>/model.yaml`
 * plus the model files, and `<storeRoot>/models/<name>/latest` holding the latest version.
 * `storeRoot` is BentoML's `BENTOML_HOME` (default `~/bentoml`), resolved by the caller.
 *
 * Crash safety: `bentoml models list` walks *every* directory under `models/` and `models/<name>/`
 * and raises on the first one that is not a valid, complete model, so nothing half-written may
 * ever appear there. A version is built in `<storeRoot>/.ct-model-store/tmp/` (same file system,
 * never walked by BentoML), fsynced, and renamed into place in one step; only then is `latest`
 * replaced, by renaming a fsynced temporary file over it.
 */
import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile, rename, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createLogger } from "@ct/step-kit";
import {
  copyFileDurably,
  fsyncDirectory,
  fsyncTree,
  isDirectory,
  makeUniqueDirectory,
  mkdirDurably,
  pathExists,
  writeFileDurably,
} from "./durable-fs.ts";
import { CorruptModelError, ModelExistsError, ModelNotFoundError, ModelStoreError } from "./errors.ts";
import { checkModelFiles, type ModelFileContent } from "./files.ts";
import {
  buildModelYaml,
  type ModelContext,
  type ModelInfo,
  type ModelSignatureInput,
  ModelYamlProblem,
  parseModelYaml,
} from "./model-yaml.ts";
import {
  formatTag,
  generateVersion,
  parseTag,
  tagProblem,
  type VersionSource,
  validateModelName,
  validateVersion,
} from "./tag.ts";

/** `<storeRoot>/models`: BentoML's `model_store_dir`. */
export const MODELS_DIR = "models";
/** `<storeRoot>/models/<name>/latest`: a plain-text file holding the latest version (no newline). */
export const LATEST_FILE = "latest";
/** `<storeRoot>/models/<name>/<version>/model.yaml`. */
export const MODEL_YAML_FILE = "model.yaml";
/**
 * ct's scratch area under the store root. Not `<storeRoot>/tmp`: that is BentoML's temporary
 * *bento* store, which BentoML may list. Nothing in BentoML looks at a dot-folder of BENTOML_HOME.
 */
export const SCRATCH_DIR = ".ct-model-store";

/** `<storeRoot>/models`. */
export function modelsDirectory(storeRoot: string): string {
  return join(resolve(storeRoot), MODELS_DIR);
}

/** `<storeRoot>/.ct-model-store/tmp`, where versions are built before they are renamed into place. */
export function scratchDirectory(storeRoot: string): string {
  return join(resolve(storeRoot), SCRATCH_DIR, "tmp");
}

export interface SaveModelInput {
  /** Validated against BentoML's tag rules; the error names the bad value and the rule. */
  name: string;
  /** Default: a new BentoML-style version (16 characters of `[a-z2-7]`, see `generateVersion`). */
  version?: string;
  /** e.g. `bentoml.catboost`, or ct's own such as `ct.gbdt`. */
  module: string;
  /** Default `v1`. */
  apiVersion?: string;
  labels?: Record<string, string>;
  options?: Record<string, unknown>;
  /** YAML data only: strings, finite numbers, booleans, null, lists, plain objects (NaN/Infinity/undefined rejected). */
  metadata?: Record<string, unknown>;
  context: ModelContext;
  signatures?: Record<string, ModelSignatureInput>;
  /** Relative `/`-separated paths (no `..`, not absolute, no backslash) → bytes, UTF-8 text or a file to copy. */
  files: Record<string, ModelFileContent>;
  /** Default: `now()`. Written as a UTC ISO time with `+00:00`. */
  creationTime?: Date;
  /** Point `<name>/latest` at the new version (default true). */
  setLatest?: boolean;
}

/** Where `saveModel` put the model. */
export interface SavedModel {
  /** `name:version`. */
  tag: string;
  name: string;
  version: string;
  /** The version folder, `<storeRoot>/models/<name>/<version>`. */
  path: string;
}

/**
 * The points of `saveModel`, in order, at which `onStep` is called (tests inject failures and kills
 * there). Before `renamed` nothing is visible in `models/`; between `renamed` and `latest-replaced`
 * the new version is listed but `latest` still names the previous one.
 */
export const SAVE_STEPS = [
  "temp-created",
  "file-written",
  "model-yaml-written",
  "synced",
  "renamed",
  "latest-written",
  "latest-replaced",
] as const;
export type SaveStep = (typeof SAVE_STEPS)[number];

export interface SaveModelOptions extends VersionSource {
  /** Called after each step with the path concerned; a throw aborts the save at that point. */
  onStep?: (step: SaveStep, path: string) => void | Promise<void>;
}

/** A model read back from the store: its model.yaml fields plus where it lives. */
export interface StoredModel extends ModelInfo {
  /** `name:version`. */
  tag: string;
  /** The version folder. */
  path: string;
}

/** A store entry skipped by `listModels`, and why. */
export interface StoreProblem {
  /** The offending directory or file. */
  path: string;
  name?: string;
  version?: string;
  reason: string;
  /** True if this entry makes `bentoml models list` raise (for every model, not just this one). */
  breaksBentomlList: boolean;
}

const uniqueSuffix = (): string => `${process.pid}-${randomBytes(6).toString("hex")}`;

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function writeLatestPointer(
  root: string,
  name: string,
  version: string,
  onStep: SaveModelOptions["onStep"],
): Promise<void> {
  const nameDir = join(modelsDirectory(root), name);
  const scratch = scratchDirectory(root);
  await mkdirDurably(scratch);
  const temporary = join(scratch, `latest-${name}-${uniqueSuffix()}`);
  try {
    await writeFileDurably(temporary, version);
    await onStep?.("latest-written", temporary);
    await rename(temporary, join(nameDir, LATEST_FILE));
  } catch (error) {
    await rm(temporary, { force: true });
    if (errnoCode(error) === "EXDEV") throw crossDevice(scratch, nameDir, error);
    throw error;
  }
  await fsyncDirectory(nameDir);
  await onStep?.("latest-replaced", join(nameDir, LATEST_FILE));
}

function crossDevice(scratch: string, target: string, cause: unknown): ModelStoreError {
  return new ModelStoreError(
    `cannot rename from ${scratch} to ${target}: they are on different file systems; ` +
      "the store root and its models/ folder must be on one file system",
    { cause },
  );
}

/**
 * Saves a model as `models/<name>/<version>/` and (by default) points `models/<name>/latest` at it.
 * Everything is validated before the store is touched; the version folder appears complete and
 * fsynced in one rename, or not at all. A crash at any point leaves `latest` naming the previous
 * complete version and leaves nothing in `models/` that breaks `bentoml models list`; at worst a
 * leftover under `.ct-model-store/tmp/` (see `removeStaleTemporaries`).
 */
export async function saveModel(
  storeRoot: string,
  input: SaveModelInput,
  options: SaveModelOptions = {},
): Promise<SavedModel> {
  const root = resolve(storeRoot);
  const name = validateModelName(input.name);
  const now = options.now ?? (() => new Date());
  const version =
    input.version === undefined
      ? generateVersion({ now, randomBytes: options.randomBytes })
      : validateVersion(input.version);
  const yamlText = buildModelYaml({
    name,
    version,
    module: input.module,
    labels: input.labels,
    options: input.options,
    metadata: input.metadata,
    context: input.context,
    signatures: input.signatures,
    apiVersion: input.apiVersion ?? "v1",
    creationTime: input.creationTime ?? now(),
  });
  const files = await checkModelFiles(input.files);
  const onStep = options.onStep;

  const nameDir = join(modelsDirectory(root), name);
  const finalDir = join(nameDir, version);
  const exists = (): ModelExistsError =>
    new ModelExistsError(
      `model ${formatTag(name, version)} already exists at ${finalDir}; versions are never overwritten`,
    );
  if (await pathExists(finalDir)) throw exists();

  const scratch = scratchDirectory(root);
  const temporaryDir = await makeUniqueDirectory(scratch, `save-${name}-${version}`);
  try {
    await onStep?.("temp-created", temporaryDir);
    for (const { path, content } of files) {
      const target = join(temporaryDir, ...path.split("/"));
      await mkdirDurably(dirname(target));
      if (typeof content === "string" || content instanceof Uint8Array)
        await writeFileDurably(target, content);
      else await copyFileDurably(content.file, target);
      await onStep?.("file-written", target);
    }
    await writeFileDurably(join(temporaryDir, MODEL_YAML_FILE), yamlText);
    await onStep?.("model-yaml-written", join(temporaryDir, MODEL_YAML_FILE));
    await fsyncTree(temporaryDir);
    await onStep?.("synced", temporaryDir);
    await mkdirDurably(nameDir);
    // rename(2) fails with ENOTEMPTY/EEXIST if another writer got there first: never overwrites a model.
    await rename(temporaryDir, finalDir);
  } catch (error) {
    await rm(temporaryDir, { recursive: true, force: true });
    const code = errnoCode(error);
    if (code === "ENOTEMPTY" || code === "EEXIST") throw exists();
    if (code === "EXDEV") throw crossDevice(scratch, finalDir, error);
    throw error;
  }
  await fsyncDirectory(nameDir);
  await onStep?.("renamed", finalDir);
  if (input.setLatest !== false) await writeLatestPointer(root, name, version, onStep);
  return { tag: formatTag(name, version), name, version, path: finalDir };
}

/** Reads and checks one version folder; throws CorruptModelError if BentoML could not load it. */
async function readVersionDirectory(dir: string, name: string, version: string): Promise<StoredModel> {
  const yamlPath = join(dir, MODEL_YAML_FILE);
  let text: string;
  try {
    text = await readFile(yamlPath, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw new CorruptModelError(dir, `it has no ${MODEL_YAML_FILE}`);
    throw new CorruptModelError(yamlPath, `cannot read it: ${(error as Error).message}`, { cause: error });
  }
  let info: ModelInfo;
  try {
    info = parseModelYaml(text);
  } catch (error) {
    if (error instanceof ModelYamlProblem) throw new CorruptModelError(yamlPath, error.message);
    throw error;
  }
  if (info.name !== name || info.version !== version) {
    throw new CorruptModelError(
      yamlPath,
      `it names ${formatTag(info.name, info.version)} but lives in ${formatTag(name, version)}`,
    );
  }
  return { ...info, tag: formatTag(name, version), path: dir };
}

/** Sub-directories of `dir` (following symlinks, as BentoML does), sorted; [] if `dir` does not exist. */
async function subdirectories(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectory(join(dir, entry.name))))) {
      out.push(entry.name);
    }
  }
  return out.sort();
}

/** The raw content of `models/<name>/latest` (stripped, as BentoML reads it), or undefined if there is none. */
export async function readLatestPointer(storeRoot: string, name: string): Promise<string | undefined> {
  validateModelName(name);
  try {
    return (await readFile(join(modelsDirectory(storeRoot), name, LATEST_FILE), "utf8")).trim();
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

function newestFirst(a: StoredModel, b: StoredModel): number {
  const byTime = b.creationTime.getTime() - a.creationTime.getTime();
  if (byTime !== 0) return byTime;
  return a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
}

/** Readable versions of one model, plus what is wrong with the unreadable ones. */
async function scanName(
  root: string,
  name: string,
): Promise<{ models: StoredModel[]; problems: StoreProblem[]; versions: string[] }> {
  const nameDir = join(modelsDirectory(root), name);
  const models: StoredModel[] = [];
  const problems: StoreProblem[] = [];
  const versions = await subdirectories(nameDir);
  for (const version of versions) {
    const dir = join(nameDir, version);
    const problem = tagProblem(version);
    if (problem !== undefined) {
      problems.push({
        path: dir,
        name,
        version,
        reason: `version folder ${JSON.stringify(version)} is not a valid BentoML tag: ${problem}`,
        breaksBentomlList: true,
      });
      continue;
    }
    try {
      models.push(await readVersionDirectory(dir, name, version));
    } catch (error) {
      if (!(error instanceof CorruptModelError)) throw error;
      problems.push({ path: error.path, name, version, reason: error.reason, breaksBentomlList: true });
    }
  }
  return { models, problems, versions };
}

/**
 * Every readable model in the store (newest `creation_time` first, like `bentoml models list`)
 * and every entry that BentoML's reader would choke on or that needs attention (a `latest`
 * pointing nowhere), without throwing for them.
 */
export async function scanModels(
  storeRoot: string,
): Promise<{ models: StoredModel[]; problems: StoreProblem[] }> {
  const root = resolve(storeRoot);
  const models: StoredModel[] = [];
  const problems: StoreProblem[] = [];
  for (const name of await subdirectories(modelsDirectory(root))) {
    const nameDir = join(modelsDirectory(root), name);
    const problem = tagProblem(name);
    if (problem !== undefined) {
      problems.push({
        path: nameDir,
        name,
        reason: `model folder ${JSON.stringify(name)} is not a valid BentoML tag: ${problem}`,
        breaksBentomlList: true,
      });
      continue;
    }
    const scanned = await scanName(root, name);
    models.push(...scanned.models);
    problems.push(...scanned.problems);
    const pointer = await readLatestPointer(root, name);
    if (pointer !== undefined && scanned.versions.length > 0 && !scanned.versions.includes(pointer)) {
      problems.push({
        path: join(nameDir, LATEST_FILE),
        name,
        version: pointer,
        reason: `latest names ${JSON.stringify(pointer)}, which is not a version folder; BentoML will rewrite it on get()`,
        breaksBentomlList: false,
      });
    }
  }
  models.sort(newestFirst);
  return { models, problems };
}

export interface ListModelsOptions {
  /** Called for each skipped entry; default: a warning on stderr. */
  onProblem?: (problem: StoreProblem) => void;
}

/**
 * Every readable model, newest first. Corrupt entries (which would make `bentoml models list`
 * raise) are skipped and reported through `onProblem` instead of failing the whole listing.
 */
export async function listModels(storeRoot: string, options: ListModelsOptions = {}): Promise<StoredModel[]> {
  const { models, problems } = await scanModels(storeRoot);
  const report =
    options.onProblem ??
    ((problem: StoreProblem) =>
      createLogger("model-store").warn(`skipping ${problem.path}: ${problem.reason}`));
  for (const problem of problems) report(problem);
  return models;
}

async function resolveLatest(root: string, name: string): Promise<string | undefined> {
  const pointer = await readLatestPointer(root, name);
  const nameDir = join(modelsDirectory(root), name);
  if (
    pointer !== undefined &&
    tagProblem(pointer) === undefined &&
    (await isDirectory(join(nameDir, pointer)))
  ) {
    return pointer;
  }
  // What BentoML's `_recreate_latest` picks (it then rewrites the file; this read-only lookup does not).
  const { models } = await scanName(root, name);
  models.sort(newestFirst);
  return models[0]?.version;
}

/**
 * The version `bentoml.models.get("<name>:latest")` resolves to: the `latest` file if it names an
 * existing version folder, otherwise the readable version with the newest `creation_time`
 * (BentoML's fallback). `undefined` if the model has no readable version.
 */
export async function latestVersion(storeRoot: string, name: string): Promise<string | undefined> {
  return resolveLatest(resolve(storeRoot), validateModelName(name));
}

/**
 * Reads `name`, `name:latest` or `name:version` (a unique version prefix also works, as in
 * BentoML). Throws ModelNotFoundError if there is no such model, CorruptModelError if its folder
 * is unreadable, ModelStoreValidationError for a malformed tag.
 */
export async function getModel(storeRoot: string, tag: string): Promise<StoredModel> {
  const root = resolve(storeRoot);
  const parsed = parseTag(tag);
  const name = parsed.name;
  const nameDir = join(modelsDirectory(root), name);
  if (!(await isDirectory(nameDir))) {
    throw new ModelNotFoundError(
      `model ${JSON.stringify(tag)} not found: no model named ${name} in ${modelsDirectory(root)}`,
    );
  }
  const version = parsed.version ?? (await resolveLatest(root, name));
  if (version === undefined) {
    throw new ModelNotFoundError(
      `model ${JSON.stringify(tag)} not found: ${nameDir} holds no readable version`,
    );
  }
  if (await isDirectory(join(nameDir, version)))
    return readVersionDirectory(join(nameDir, version), name, version);
  const matches = (await subdirectories(nameDir)).filter((candidate) => candidate.startsWith(version));
  const [only] = matches;
  if (matches.length === 1 && only !== undefined)
    return readVersionDirectory(join(nameDir, only), name, only);
  if (matches.length === 0) {
    throw new ModelNotFoundError(`model ${formatTag(name, version)} not found in ${nameDir}`);
  }
  throw new ModelStoreError(
    `model tag ${formatTag(name, version)} is ambiguous: it matches versions ${matches.join(", ")}`,
  );
}

/**
 * Points `models/<name>/latest` at `version`, atomically (fsynced temporary file renamed over it).
 * The version must exist and be readable.
 */
export async function setLatest(storeRoot: string, name: string, version: string): Promise<void> {
  const root = resolve(storeRoot);
  validateModelName(name);
  validateVersion(version);
  const dir = join(modelsDirectory(root), name, version);
  if (!(await isDirectory(dir)))
    throw new ModelNotFoundError(`model ${formatTag(name, version)} not found at ${dir}`);
  await readVersionDirectory(dir, name, version);
  await writeLatestPointer(root, name, version, undefined);
}

/** What `deleteModel` removed, and where `latest` points afterwards. */
export interface DeletedModel {
  tag: string;
  /** The new `latest` version, or undefined if no readable version is left. */
  latest: string | undefined;
}

/**
 * Removes `name:version` (or `name` / `name:latest`: the latest version). If `latest` named it, it
 * is first re-pointed at the newest remaining version (BentoML's rule), then the folder is moved
 * out of `models/` in one rename and deleted; when no version is left, `latest` and the model
 * folder go too. The folder may be corrupt: deleting is how a broken entry is repaired.
 */
export async function deleteModel(storeRoot: string, tag: string): Promise<DeletedModel> {
  const root = resolve(storeRoot);
  const parsed = parseTag(tag);
  const name = parsed.name;
  const nameDir = join(modelsDirectory(root), name);
  const pointer = await readLatestPointer(root, name);
  const version = parsed.version ?? (await resolveLatest(root, name));
  if (version === undefined || !(await isDirectory(join(nameDir, version)))) {
    throw new ModelNotFoundError(`model ${JSON.stringify(tag)} not found in ${modelsDirectory(root)}`);
  }
  const { models, versions } = await scanName(root, name);
  const remaining = models.filter((model) => model.version !== version).sort(newestFirst);
  let latest =
    pointer !== undefined && pointer !== version && versions.includes(pointer) ? pointer : undefined;
  if (latest === undefined && remaining[0] !== undefined) {
    latest = remaining[0].version;
    await writeLatestPointer(root, name, latest, undefined);
  }
  const scratch = scratchDirectory(root);
  await mkdirDurably(scratch);
  const doomed = join(scratch, `delete-${name}-${version}-${uniqueSuffix()}`);
  try {
    await rename(join(nameDir, version), doomed);
  } catch (error) {
    if (errnoCode(error) === "EXDEV") throw crossDevice(scratch, nameDir, error);
    throw error;
  }
  await fsyncDirectory(nameDir);
  if (latest === undefined) {
    await rm(join(nameDir, LATEST_FILE), { force: true });
    if ((await readdir(nameDir)).length === 0) {
      await rmdir(nameDir).catch(() => undefined);
      await fsyncDirectory(modelsDirectory(root));
    }
  }
  await rm(doomed, { recursive: true, force: true });
  return { tag: formatTag(name, version), latest };
}

/**
 * Removes leftovers of interrupted saves/deletes from `.ct-model-store/tmp/` that are older than
 * `olderThanMs` (default one hour, so running saves are left alone). Returns the removed paths.
 */
export async function removeStaleTemporaries(
  storeRoot: string,
  options: { olderThanMs?: number; now?: () => Date } = {},
): Promise<string[]> {
  const scratch = scratchDirectory(storeRoot);
  const cutoff = (options.now ?? (() => new Date()))().getTime() - (options.olderThanMs ?? 3_600_000);
  let names: string[];
  try {
    names = await readdir(scratch);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw error;
  }
  const removed: string[] = [];
  for (const entry of names.sort()) {
    const path = join(scratch, entry);
    try {
      if ((await stat(path)).mtimeMs > cutoff) continue;
    } catch {
      continue;
    }
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
