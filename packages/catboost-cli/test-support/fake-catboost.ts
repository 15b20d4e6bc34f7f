import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** What the fake catboost does (see fake-catboost.mjs). Rewrite it between runs with `configure`. */
export interface FakeCatboostConfig {
  /** Exit code after writing the outputs (1 prints `AN EXCEPTION OCCURRED. …` with exceptionMessage). */
  exitCode?: number;
  exceptionMessage?: string;
  /** stderr line for exit codes other than 0 and 1. */
  stderrLine?: string;
  /** Kill itself with this signal before writing anything. */
  killSignal?: "SIGKILL" | "SIGSEGV" | "SIGTERM";
  /** Sleep this long before writing anything (to test aborts). */
  sleepMs?: number;
  /** 0-based best iteration on the eval set (default 4). */
  bestIteration?: number;
  /** Iterations trained when no --od-wait is given (default 12). */
  iterations?: number;
  /** Print `bestTest = …` / `bestIteration = …` (default true). */
  printSummary?: boolean;
  /** `--version` output. */
  versionText?: string;
}

export interface FakeCatboost {
  /** The executable `catboost` shell script. */
  readonly binary: string;
  readonly dir: string;
  configure(config: FakeCatboostConfig): Promise<void>;
  /** The argv (after the binary) of every run so far. */
  calls(): Promise<string[][]>;
}

const SCRIPT = fileURLToPath(new URL("./fake-catboost.mjs", import.meta.url));

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Creates `<dir>/catboost`: a shell script that runs fake-catboost.mjs with this Node.js, so tests
 * exercise real process runs (argv, exit codes, signals, files on disk) without the real binary.
 */
export async function writeFakeCatboost(dir: string, config: FakeCatboostConfig = {}): Promise<FakeCatboost> {
  await mkdir(dir, { recursive: true });
  const configPath = join(dir, "fake-config.json");
  const binary = join(dir, "catboost");
  await writeFile(configPath, JSON.stringify(config));
  await writeFile(
    binary,
    `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(SCRIPT)} ${shellQuote(configPath)} "$@"\n`,
  );
  await chmod(binary, 0o755);
  return {
    binary,
    dir,
    configure: (next) => writeFile(configPath, JSON.stringify(next)),
    calls: async () => {
      let text = "";
      try {
        text = await readFile(join(dir, "calls.jsonl"), "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as string[]);
    },
  };
}
