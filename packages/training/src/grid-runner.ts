import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { CtError, InterruptedError, throwIfInterrupted } from "@ct/step-kit";
import type { LabelledFrame } from "./dataset.ts";
import type { ConfigurationResult, EngineName } from "./engine.ts";
import { type EngineOptions, engineByName } from "./engines.ts";
import type { GridConfiguration, ParamValue } from "./model-config.ts";

/** Marks a worker thread started by {@link runGrid}; a bin checks it with {@link runGridWorkerIfWorker}. */
const WORKER_MARK = "ct-train-grid-worker";

interface WorkerSetup {
  readonly mark: typeof WORKER_MARK;
  readonly engine: EngineName;
  readonly engineOptions: EngineOptions;
  readonly learn: LabelledFrame;
  readonly eval: LabelledFrame;
}

interface Task {
  readonly index: number;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly workDir: string;
}

type Reply =
  | { readonly index: number; readonly result: ConfigurationResult }
  | {
      readonly index: number;
      readonly error: {
        readonly message: string;
        readonly exitCode: number | undefined;
        readonly stack?: string;
      };
    };

export interface GridRunOptions {
  readonly engine: EngineName;
  readonly engineOptions: EngineOptions;
  readonly configurations: readonly GridConfiguration[];
  readonly fixedParams: Readonly<Record<string, ParamValue>>;
  readonly learn: LabelledFrame;
  readonly eval: LabelledFrame;
  /** Scratch folder; each configuration gets `config-<i>/` in it. */
  readonly workDir: string;
  /** Worker threads; 1 runs in this thread. */
  readonly workers: number;
  /** The script a worker thread starts (a bin that calls {@link runGridWorkerIfWorker}); required when workers > 1. */
  readonly workerUrl?: URL;
  /** Called once per finished configuration, in completion order, never concurrently. */
  readonly onResult: (configuration: GridConfiguration, result: ConfigurationResult) => Promise<void>;
  readonly signal?: AbortSignal;
}

/** The parameters of one configuration: the fixed ones with the grid values on top. */
export function configurationParams(
  fixed: Readonly<Record<string, ParamValue>>,
  configuration: GridConfiguration,
): Record<string, ParamValue> {
  return { ...fixed, ...configuration.values };
}

/** A failed configuration: the grid stops, with the engine's error as the cause. */
export class ConfigurationError extends CtError {
  constructor(configuration: GridConfiguration, message: string, exitCode: number | undefined) {
    super(
      `configuration ${configuration.index + 1} (${JSON.stringify(configuration.values)}) failed: ${message}`,
      (exitCode ?? 1) as CtError["exitCode"],
    );
  }
}

/**
 * Trains every configuration, on `workers` threads (each configuration on one of them, with
 * `thread_count` = its share of the cores unless the parameters set it; the built-in engine's
 * models do not depend on either), and hands each result to `onResult` as it finishes. The first failure stops the grid; an abort terminates the workers.
 */
export async function runGrid(options: GridRunOptions): Promise<void> {
  const { configurations, workers } = options;
  const tasks = configurations.map((configuration) => ({
    configuration,
    task: {
      index: configuration.index,
      params: configurationParams(options.fixedParams, configuration),
      workDir: join(options.workDir, `config-${configuration.index + 1}`),
    } satisfies Task,
  }));
  for (const { task } of tasks) await mkdir(task.workDir, { recursive: true });
  if (workers <= 1 || tasks.length <= 1 || !options.workerUrl) {
    const engine = engineByName(options.engine, options.engineOptions);
    for (const { configuration, task } of tasks) {
      throwIfInterrupted(options.signal);
      let result: ConfigurationResult;
      try {
        result = await engine.trainConfiguration({
          learn: options.learn,
          eval: options.eval,
          params: task.params,
          workDir: task.workDir,
        });
      } catch (error) {
        if (error instanceof CtError) throw error;
        throw new ConfigurationError(configuration, (error as Error).message, undefined);
      }
      await options.onResult(configuration, result);
    }
    return;
  }
  await runOnWorkers(options, tasks, options.workerUrl);
}

async function runOnWorkers(
  options: GridRunOptions,
  tasks: readonly { configuration: GridConfiguration; task: Task }[],
  workerUrl: URL,
): Promise<void> {
  const setup: WorkerSetup = {
    mark: WORKER_MARK,
    engine: options.engine,
    engineOptions: options.engineOptions,
    learn: options.learn,
    eval: options.eval,
  };
  const count = Math.min(options.workers, tasks.length);
  // Both engines default to a thread per core for one fit: with `count` fits at once, each gets
  // its share of the cores unless the parameters set thread_count.
  const threadCount = Math.max(1, Math.floor(availableParallelism() / count));
  const pending = tasks.map((entry) =>
    "thread_count" in entry.task.params
      ? entry
      : { ...entry, task: { ...entry.task, params: { ...entry.task.params, thread_count: threadCount } } },
  );
  const byIndex = new Map(tasks.map((entry) => [entry.task.index, entry.configuration]));
  const threads: Worker[] = [];
  const stopping = new Set<Worker>();
  const stop = (thread: Worker): void => {
    stopping.add(thread);
    void thread.terminate();
  };
  // Results are handed on one at a time, in completion order.
  let handing = Promise.resolve();
  let failure: unknown;

  await new Promise<void>((resolve, reject) => {
    let running = 0;
    const fail = (error: unknown): void => {
      if (failure === undefined) failure = error;
      for (const thread of threads) stop(thread);
      reject(error);
    };
    const onAbort = (): void => fail(options.signal?.reason ?? new InterruptedError("interrupted"));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const dispatch = (thread: Worker): void => {
      const next = pending.shift();
      if (!next) {
        stop(thread);
        if (running === 0)
          handing.then(() => {
            options.signal?.removeEventListener("abort", onAbort);
            resolve();
          }, fail);
        return;
      }
      running++;
      thread.postMessage(next.task);
    };
    for (let i = 0; i < count; i++) {
      const thread = new Worker(workerUrl, { workerData: setup });
      threads.push(thread);
      thread.on("message", (reply: Reply) => {
        running--;
        const configuration = byIndex.get(reply.index) as GridConfiguration;
        if ("error" in reply) {
          fail(new ConfigurationError(configuration, reply.error.message, reply.error.exitCode));
          return;
        }
        handing = handing.then(() => options.onResult(configuration, reply.result));
        handing.catch(fail);
        if (failure === undefined) dispatch(thread);
      });
      thread.on("error", (error) => fail(error));
      thread.on("exit", (code) => {
        if (!stopping.has(thread) && failure === undefined)
          fail(new Error(`a grid worker thread exited with code ${code}`));
      });
      dispatch(thread);
    }
  });
}

/**
 * In a worker thread started by {@link runGrid}: trains the configurations it is sent and
 * returns true (the caller should then do nothing else). Elsewhere returns false at once.
 */
export function runGridWorkerIfWorker(): boolean {
  const setup = workerData as WorkerSetup | undefined;
  if (isMainThread || !parentPort || setup?.mark !== WORKER_MARK) return false;
  const port = parentPort;
  const engine = engineByName(setup.engine, setup.engineOptions);
  port.on("message", (task: Task) => {
    engine
      .trainConfiguration({
        learn: setup.learn,
        eval: setup.eval,
        params: task.params,
        workDir: task.workDir,
      })
      .then(
        (result) => port.postMessage({ index: task.index, result } satisfies Reply),
        (error: unknown) =>
          port.postMessage({
            index: task.index,
            error: {
              message: error instanceof Error ? error.message : String(error),
              exitCode: error instanceof CtError ? error.exitCode : undefined,
              ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
            },
          } satisfies Reply),
      );
  });
  return true;
}
