import yargs, { type Argv, type CommandModule } from "yargs";
import { CtError, ExitCode, exitCodeOf, UsageError } from "./errors.ts";
import type { LogSink } from "./log.ts";

/** What a command needs from the process, passed in once by the bin (libraries never read `process`). */
export interface CliContext {
  readonly stdout: LogSink;
  readonly stderr: LogSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM so long work can stop and clean up. */
  readonly signal?: AbortSignal;
}

/** Builds a yargs command with access to the context. */
export type CommandFactory = (context: CliContext) => CommandModule<object, object>;

/** Declares a command whose handler sees the argument types its builder adds. */
export function defineCommand<A>(factory: (context: CliContext) => CommandModule<object, A>): CommandFactory {
  return factory as unknown as CommandFactory;
}

export interface CliDefinition {
  scriptName: string;
  version: string;
  commands: readonly CommandFactory[];
  /** A single-command bin (`ct-extract …`) runs its command without naming it. */
  singleCommand?: boolean;
  epilogue?: string;
}

/**
 * Parses `argv` and runs the chosen command. Never exits the process: returns the exit code,
 * printing expected failures as one line and unexpected ones with their stack.
 */
export async function runCli(
  definition: CliDefinition,
  argv: readonly string[],
  context: CliContext,
): Promise<ExitCode> {
  const parser = yargs([...argv])
    .scriptName(definition.scriptName)
    .version(definition.version)
    .help()
    .alias("h", "help")
    .strict()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message ?? "invalid arguments");
    });
  for (const factory of definition.commands) {
    const command = factory(context);
    parser.command(definition.singleCommand ? { ...command, command: "$0" } : command);
  }
  if (!definition.singleCommand) parser.demandCommand(1, "name a command; see --help");
  if (definition.epilogue) parser.epilogue(definition.epilogue);
  try {
    await parser.parseAsync();
    return ExitCode.ok;
  } catch (error) {
    reportError(definition.scriptName, error, context.stderr);
    return exitCodeOf(error);
  }
}

/** Prints one line for an expected failure, the stack for an unexpected one. */
/**
 * Errors of the machine, not of ct: a full disk, a read-only or forbidden folder, too many open
 * files. They get one line (Node's message names the call, and the path when it has one), not a
 * stack trace.
 */
const ENVIRONMENT_ERROR_CODES = new Set([
  "ENOSPC",
  "EDQUOT",
  "EROFS",
  "EACCES",
  "EPERM",
  "EMFILE",
  "ENFILE",
  "EIO",
]);

function isEnvironmentError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === "string" && ENVIRONMENT_ERROR_CODES.has(code);
}

export function reportError(scriptName: string, error: unknown, sink: LogSink): void {
  if (error instanceof CtError) {
    sink.write(`${scriptName}: error: ${error.message}\n`);
  } else if (error instanceof Error && isEnvironmentError(error)) {
    sink.write(`${scriptName}: error: ${error.message.split("\n")[0]}\n`);
  } else if (error instanceof Error) {
    sink.write(`${scriptName}: internal error: ${error.stack ?? error.message}\n`);
  } else {
    sink.write(`${scriptName}: internal error: ${String(error)}\n`);
  }
}

/** The arguments every step accepts. */
export interface StepArguments {
  model_name: string;
  base_dt: string | undefined;
  json: boolean;
}

export const DEFAULT_MODEL_NAME = "credit_score_classification";

/** Adds `--model_name`, `--base_dt` (kebab-case aliases too) and `--json` to a command. */
export function withStepOptions<T>(args: Argv<T>): Argv<T & StepArguments> {
  return args
    .option("model_name", {
      alias: "model-name",
      type: "string",
      default: DEFAULT_MODEL_NAME,
      describe:
        "model name: lowercase letters, digits, '-', '_', '.'; first and last a letter or digit; at most 63 characters",
    })
    .option("base_dt", {
      alias: "base-dt",
      type: "string",
      describe: "snapshot date YYYY-MM-DD (default: today in the configured time zone)",
    })
    .option("json", {
      type: "boolean",
      default: false,
      describe: "print a one-line JSON summary on stdout",
    }) as unknown as Argv<T & StepArguments>;
}

/**
 * Writes the one-line JSON summary of a command to stdout when `--json` was given, with the
 * process's peak resident memory so far (`peak_rss_mb`).
 */
export function printSummary(context: CliContext, json: boolean, summary: Record<string, unknown>): void {
  if (!json) return;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  context.stdout.write(`${JSON.stringify({ ...summary, peak_rss_mb: peakRssMb })}\n`);
}
