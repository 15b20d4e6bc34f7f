import { statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeSettings, loadSettings, redactUrl, type Settings } from "@ct/config";
import { type CliContext, type Logger, UsageError } from "@ct/step-kit";
import Dockerode from "dockerode";
import { DockerExecutor, type DockerMount, type DockerStepSpec } from "./docker-executor.ts";
import { CONTAINER_PATHS, containerStepSettings, localStepSettings } from "./environment.ts";
import type { StepExecutor } from "./executor.ts";
import { type HostFolders, resolveHostFolders } from "./folders.ts";
import { LocalExecutor, type LocalStepCommand } from "./local-executor.ts";
import { COMPOSE_NETWORK, chooseNetwork, type NetworkChoice } from "./network.ts";
import type { RunnerArguments } from "./options.ts";
import { findRepositoryRoot, stepBundle, stepDockerfile, stepVersion } from "./repository.ts";
import { type PipelineStep, parseStepList } from "./steps.ts";
import { currentUser, ensureDirectory, type ResolvedRunUser, type RunUser, resolveRunUser } from "./user.ts";

/** Everything a run needs, resolved once from the arguments, the environment and the settings. */
export interface RunnerSetup {
  readonly settings: Settings;
  readonly folders: HostFolders;
  readonly user: ResolvedRunUser;
  readonly steps: readonly PipelineStep[];
  readonly executor: StepExecutor;
  /** The containers' network (Docker only). */
  readonly network?: NetworkChoice;
  readonly lockTimeoutSeconds: number;
}

export interface SetUpOptions {
  /** A Docker client (default: the local engine, from `DOCKER_HOST` or /var/run/docker.sock). */
  readonly docker?: Dockerode;
  /** The ct repository (default: found above this module, then above the working directory). */
  readonly repositoryRoot?: string;
  /** This process's user (default: its effective uid/gid). */
  readonly currentUser?: RunUser;
  /** The image repository of a step (default `ct-<step>`, docs/containers.md). */
  readonly imageName?: (step: string) => string;
}

/**
 * A client of the local Docker engine. The runner bind-mounts host folders, so the engine must
 * run on this machine: `DOCKER_HOST` may name a unix socket, nothing remote.
 */
export function dockerFromEnvironment(env: Readonly<Record<string, string | undefined>>): Dockerode {
  const host = env.DOCKER_HOST;
  if (!host) return new Dockerode({ socketPath: "/var/run/docker.sock" });
  if (host.startsWith("unix://")) return new Dockerode({ socketPath: host.slice("unix://".length) });
  throw new UsageError(
    `DOCKER_HOST=${redactUrl(host)} is not a local unix socket: ct run mounts host folders, so it needs the engine of this machine (or use --local)`,
  );
}

/** Which host folders each step mounts, and where (docs/containers.md). */
function mountsOf(step: PipelineStep, folders: HostFolders): DockerMount[] {
  const artifacts = { source: folders.artifacts, target: CONTAINER_PATHS.artifacts };
  switch (step) {
    case "extract":
      return [];
    case "preprocess":
      return [artifacts];
    case "train":
      return [
        artifacts,
        { source: folders.modelStore, target: CONTAINER_PATHS.modelStore },
        ...(folders.mlruns ? [{ source: folders.mlruns, target: CONTAINER_PATHS.mlruns }] : []),
      ];
  }
}

/** `--model_config`: an existing regular file, as an absolute path (its content is the train step's to check). */
function modelConfigFile(path: string, cwd: string): string {
  const file = resolve(cwd, path);
  if (!statSync(file, { throwIfNoEntry: false })?.isFile())
    throw new UsageError(`invalid --model_config ${JSON.stringify(path)}: no such file`);
  return file;
}

/** Where train finds the model config in its container: same extension, so YAML vs JSON is kept. */
function containerModelConfig(file: string): string {
  return `${CONTAINER_PATHS.modelConfig}${extname(file)}`;
}

const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function requireRoot(root: string | undefined, why: string): string {
  if (root) return root;
  throw new UsageError(
    `cannot find the ct repository (a folder with pnpm-workspace.yaml and steps/) ${why}; run from a clone of ct`,
  );
}

/**
 * Resolves the settings, host folders (created, owned by the run's user), user, steps and the
 * executor of `ct run` / `ct backfill`, and logs each in one line (secrets redacted).
 */
export async function setUpRunner(
  argv: RunnerArguments,
  context: CliContext,
  logger: Logger,
  options: SetUpOptions = {},
): Promise<RunnerSetup> {
  const steps = parseStepList(argv.steps);
  const modelConfig =
    argv.model_config === undefined ? undefined : modelConfigFile(argv.model_config, context.cwd);
  if (!Number.isFinite(argv.lock_timeout) || argv.lock_timeout < 0) {
    throw new UsageError(`invalid --lock_timeout ${argv.lock_timeout}: expected seconds >= 0`);
  }
  if (!IMAGE_TAG.test(argv.image_tag))
    throw new UsageError(`invalid --image_tag ${JSON.stringify(argv.image_tag)}`);
  const flags = argv as unknown as Record<string, unknown>;
  const loaded = loadSettings({ flags, env: context.env, cwd: context.cwd });
  const folders = resolveHostFolders({ flags, env: context.env, cwd: context.cwd, settings: loaded });
  // The settings of this run: the host folders in place of the plain commands' defaults.
  const settings: Settings = {
    ...loaded,
    artifactsPath: folders.artifacts,
    modelStorePath: folders.modelStore,
    mlflowTrackingUri: folders.remoteTracking ?? folders.mlruns ?? loaded.mlflowTrackingUri,
  };
  const me = options.currentUser ?? currentUser();
  const user = resolveRunUser({ flag: argv.user, env: context.env, current: me });
  logger.info(`settings ${JSON.stringify(describeSettings(settings))}`);
  if (me.uid !== 0 && (user.uid !== me.uid || user.gid !== me.gid)) {
    logger.warn(
      `the steps run as ${user.uid}:${user.gid}, but only root can give folders away: folders created now belong to ${me.uid}:${me.gid}, and the steps may not be able to write to them`,
    );
  }

  for (const folder of [folders.artifacts, folders.modelStore, folders.mlruns]) {
    if (folder) await ensureDirectory(folder, user);
  }
  logger.info(
    `host folders owned by ${user.uid}:${user.gid} (${user.source}), under ${folders.home} unless configured`,
  );
  const root =
    options.repositoryRoot ?? findRepositoryRoot([dirname(fileURLToPath(import.meta.url)), context.cwd]);

  let executor: StepExecutor;
  let network: NetworkChoice | undefined;
  if (argv.local) {
    const repository = requireRoot(root, "for the step bundles of --local");
    const envFile =
      typeof argv.env_file === "string"
        ? resolve(context.cwd, argv.env_file)
        : context.env.CT_ENV_FILE
          ? resolve(context.cwd, context.env.CT_ENV_FILE)
          : undefined;
    const stepSettings = localStepSettings(settings, folders, context.env, envFile);
    const commands: Record<string, LocalStepCommand> = {};
    for (const step of steps) {
      const bundle = join(repository, stepBundle(step));
      commands[step] = {
        command: process.execPath,
        args: [bundle, ...(step === "train" && modelConfig ? ["--model_config", modelConfig] : [])],
        requires: bundle,
        hint: `build it: pnpm turbo run build --filter=@ct/${step}`,
      };
    }
    executor = new LocalExecutor({
      commands,
      env: stepSettings.env,
      secrets: stepSettings.secrets,
      cwd: context.cwd,
      user,
    });
    logger.info(`executor: local processes (node ${join(repository, "steps/<step>/dist/bin.js")})`);
  } else {
    const docker = options.docker ?? dockerFromEnvironment(context.env);
    const composeNetwork = context.env.CT_NETWORK || COMPOSE_NETWORK;
    let composeNetworkExists = false;
    if (!argv.network) {
      try {
        await docker.getNetwork(composeNetwork).inspect();
        composeNetworkExists = true;
      } catch {
        // Missing (404), or the engine is down: `prepare` says so in its own words.
      }
    }
    network = chooseNetwork({
      requested: argv.network,
      urls: [settings.featureStoreUrl, ...(folders.remoteTracking ? [folders.remoteTracking] : [])],
      composeNetwork,
      composeNetworkExists,
    });
    const repository = argv.build ? requireRoot(root, "to build the step images (or pass --no-build)") : root;
    const specs: Record<string, DockerStepSpec> = {};
    for (const step of steps) {
      const name = options.imageName?.(step) ?? `ct-${step}`;
      const image = `${name}:${argv.image_tag}`;
      const version = repository ? (stepVersion(repository, step) ?? "0.0.0") : "0.0.0";
      const buildArgs: Record<string, string> = { VERSION: version };
      for (const name of [
        "NODE_IMAGE",
        ...(step === "train" ? ["CATBOOST_VERSION", "CATBOOST_SHA256"] : []),
      ]) {
        const value = context.env[name];
        if (value) buildArgs[name] = value;
      }
      const withConfig = step === "train" && modelConfig !== undefined;
      specs[step] = {
        image,
        mounts: [
          ...mountsOf(step, folders),
          ...(withConfig
            ? [{ source: modelConfig, target: containerModelConfig(modelConfig), readOnly: true }]
            : []),
        ],
        ...(withConfig ? { args: ["--model_config", containerModelConfig(modelConfig)] } : {}),
        ...(repository && argv.build
          ? {
              build: {
                context: repository,
                dockerfile: stepDockerfile(step),
                files: [stepDockerfile(step), stepBundle(step)],
                tags: [...new Set([`${name}:${version}`, `${name}:latest`, image])],
                buildArgs,
              },
            }
          : {}),
      };
    }
    const stepSettings = containerStepSettings(settings, folders);
    executor = new DockerExecutor({
      docker,
      steps: specs,
      network: network.network,
      user,
      env: stepSettings.env,
      secrets: stepSettings.secrets,
      build: argv.build,
      logger,
    });
    logger.info(
      `executor: docker, network ${network.network} (${network.reason}), user ${user.uid}:${user.gid}, feature store ${redactUrl(settings.featureStoreUrl)}`,
    );
  }
  return {
    settings,
    folders,
    user,
    steps,
    executor,
    ...(network ? { network } : {}),
    lockTimeoutSeconds: argv.lock_timeout,
  };
}
