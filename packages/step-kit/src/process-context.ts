import type { CliContext } from "./cli.ts";
import { InterruptedError } from "./errors.ts";

/**
 * The context of a real process, for bins. SIGINT/SIGTERM abort `signal` so work can stop and
 * clean up; the handlers run once, so a second Ctrl-C falls back to Node's default (terminate).
 */
export function processContext(): CliContext {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    controller.abort(new InterruptedError(`interrupted by ${signal}; nothing partial was written`));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // The one place ct reads the process environment; commands pass it down inside `context`.
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
}
