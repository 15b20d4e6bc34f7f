export {
  type BackfillDateReport,
  type BackfillOptions,
  type BackfillResult,
  type BackfillState,
  backfillStatePath,
  dateRange,
  MAX_BACKFILL_DATES,
  readBackfillState,
  runBackfill,
} from "./backfill.ts";
export {
  type BackfillArguments,
  backfillCommandHandler,
  RUNNER_EPILOGUE,
  type RunArguments,
  runCommandHandler,
  withBackfillOptions,
  withRunOptions,
} from "./commands.ts";
export {
  type DockerBuildSpec,
  DockerExecutor,
  type DockerExecutorOptions,
  type DockerMount,
  type DockerStepSpec,
  dockerErrorMessage,
  splitImageReference,
} from "./docker-executor.ts";
export {
  CONTAINER_PATHS,
  containerStepSettings,
  localStepSettings,
  type StepSettings,
} from "./environment.ts";
export { LockHeldError, type LockHolder, RunnerError, RunnerExitCode } from "./errors.ts";
export type { StepExecutor, StepExit, StepInvocation } from "./executor.ts";
export { type HostFolders, type HostFoldersInput, resolveHostFolders } from "./folders.ts";
export {
  createLineWriter,
  type LineWriter,
  prefixedOutput,
  type StepOutput,
  type StepStream,
} from "./lines.ts";
export { LocalExecutor, type LocalExecutorOptions, type LocalStepCommand } from "./local-executor.ts";
export {
  acquireLock,
  type LockOptions,
  type RunLock,
  runLockPath,
  withLock,
} from "./lock.ts";
export { COMPOSE_NETWORK, chooseNetwork, isLoopbackHost, type NetworkChoice } from "./network.ts";
export { type RunnerArguments, withRunnerOptions } from "./options.ts";
export {
  failureOf,
  formatDuration,
  type RunResult,
  type RunStepsOptions,
  runLabels,
  runSteps,
  type StepReport,
  type StepStatus,
} from "./pipeline.ts";
export { findRepositoryRoot, stepBundle, stepDockerfile, stepVersion } from "./repository.ts";
export { removeStaleSecretsDirectories, type SecretsDirectory, writeSecretsDirectory } from "./secrets.ts";
export { dockerFromEnvironment, type RunnerSetup, type SetUpOptions, setUpRunner } from "./setup.ts";
export { isPipelineStep, PIPELINE_STEPS, type PipelineStep, parseStepList } from "./steps.ts";
export {
  currentUser,
  ensureDirectory,
  giveTo,
  mustChown,
  parseRunUser,
  type ResolvedRunUser,
  type RunUser,
  resolveRunUser,
} from "./user.ts";
