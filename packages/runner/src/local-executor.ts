import { spawn } from "node:child_process";
import { access } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { CtError, ExitCode } from "@ct/step-kit";
import type { StepExecutor, StepExit, StepInvocation } from "./executor.ts";
import { createLineWriter, type StepOutput } from "./lines.ts";
import { type SecretsDirectory, writeSecretsDirectory } from "./secrets.ts";
import { currentUser, mustChown, type RunUser } from "./user.ts";

/** How to start a step locally: an executable and the arguments before the step's own. */
export interface LocalStepCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** A file that must exist for the step to run (its bundle), checked by `prepare`. */
  readonly requires?: string;
  /** What to do when `requires` is missing, e.g. the build command. */
  readonly hint?: string;
}

export interface LocalExecutorOptions {
  /** Per step name. */
  readonly commands: Readonly<Record<string, LocalStepCommand>>;
  /** The steps' whole environment (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Secret settings (`feature_store_password`, …): written to a private folder for the step's
   * lifetime, which the step gets as `CT_SECRETS_DIR`.
   */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Run the steps as this user (only possible when this process is root). */
  readonly user?: RunUser;
  /** Milliseconds between SIGTERM and SIGKILL when stopping a step (default 10 s). */
  readonly killGraceMs?: number;
}

function exitOf(code: number | null, signal: NodeJS.Signals | null): StepExit {
  if (code !== null) return { exitCode: code };
  const number = signal ? osConstants.signals[signal] : undefined;
  return { exitCode: 128 + (number ?? 0), ...(signal ? { signal } : {}) };
}

/**
 * Runs each step as a child process of this one (`node steps/<step>/dist/bin.js …`): the same
 * bundle the step's image runs, with the same arguments, exit codes and output, without Docker.
 */
export class LocalExecutor implements StepExecutor {
  readonly kind = "local";
  private readonly options: LocalExecutorOptions;

  constructor(options: LocalExecutorOptions) {
    this.options = options;
  }

  describe(step: string): string {
    const command = this.options.commands[step];
    return command ? [command.command, ...command.args].join(" ") : `${step} (no command)`;
  }

  async prepare(steps: readonly string[]): Promise<void> {
    const problems: string[] = [];
    for (const step of steps) {
      const command = this.options.commands[step];
      if (!command) {
        problems.push(`no local command for step ${step}`);
        continue;
      }
      if (command.requires) {
        try {
          await access(command.requires);
        } catch {
          problems.push(`${command.requires} is missing${command.hint ? `: ${command.hint}` : ""}`);
        }
      }
    }
    if (problems.length > 0)
      throw new CtError(`cannot run locally: ${problems.join("; ")}`, ExitCode.failure);
  }

  async run(invocation: StepInvocation, output: StepOutput, signal?: AbortSignal): Promise<StepExit> {
    const command = this.options.commands[invocation.step];
    if (!command) throw new CtError(`no local command for step ${invocation.step}`, ExitCode.failure);
    if (signal?.aborted) return { exitCode: ExitCode.interrupted };
    const user = mustChown(this.options.user, currentUser()) ? this.options.user : undefined;
    let secrets: SecretsDirectory | undefined;
    // Always a folder of this run's own (empty if need be): no secret file of another origin is read.
    if (this.options.secrets) secrets = await writeSecretsDirectory(this.options.secrets, user);
    try {
      return await this.spawnStep(command, invocation, output, secrets, user, signal);
    } finally {
      await secrets?.remove();
    }
  }

  private spawnStep(
    command: LocalStepCommand,
    invocation: StepInvocation,
    output: StepOutput,
    secrets: SecretsDirectory | undefined,
    user: RunUser | undefined,
    signal: AbortSignal | undefined,
  ): Promise<StepExit> {
    const env = { ...this.options.env, ...(secrets ? { CT_SECRETS_DIR: secrets.path } : {}) };
    return new Promise<StepExit>((resolvePromise, reject) => {
      const child = spawn(command.command, [...command.args, ...invocation.args], {
        cwd: this.options.cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
      });
      const stdout = createLineWriter((text) => output.line("stdout", text));
      const stderr = createLineWriter((text) => output.line("stderr", text));
      child.stdout.on("data", (chunk: Buffer) => stdout.write(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.write(chunk));
      let killTimer: NodeJS.Timeout | undefined;
      const stop = (): void => {
        // Like `docker stop`: SIGTERM (ct's steps clean up and exit 130), SIGKILL after the grace.
        child.kill("SIGTERM");
        killTimer = setTimeout(() => child.kill("SIGKILL"), this.options.killGraceMs ?? 10_000);
      };
      signal?.addEventListener("abort", stop, { once: true });
      const settle = (): void => {
        signal?.removeEventListener("abort", stop);
        if (killTimer) clearTimeout(killTimer);
      };
      child.once("error", (error) => {
        settle();
        reject(
          new CtError(`cannot start ${command.command}: ${error.message}`, ExitCode.failure, {
            cause: error,
          }),
        );
      });
      // `close` comes after the process exited and its output streams ended: no line is lost.
      child.once("close", (code, exitSignal) => {
        settle();
        stdout.end();
        stderr.end();
        resolvePromise(exitOf(code, exitSignal));
      });
    });
  }
}
