import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { CtError, InterruptedError } from "@ct/step-kit";
import { CatboostRunError, type CatboostRunErrorDetails } from "./errors.ts";

export type OutputStream = "stdout" | "stderr";

export interface RunCatboostOptions {
  /** Every line the process writes, as it comes (CR/LF stripped), with the stream it came from. */
  readonly onLine?: (line: string, stream: OutputStream) => void;
  /** Aborting kills the process (SIGTERM, then SIGKILL after killGraceMs) and rejects with InterruptedError. */
  readonly signal?: AbortSignal;
  /** Working directory of the process (CatBoost may drop stray files such as `tmp/` there). */
  readonly cwd?: string;
  /** The process environment; undefined = this process's (spawn's default). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Milliseconds between SIGTERM and SIGKILL on abort. Default 5000. */
  readonly killGraceMs?: number;
}

/** Marker catboost/app/main.cpp prints before the message of any exception (then exits 1). */
export const EXCEPTION_MARKER = "AN EXCEPTION OCCURRED.";

const TAIL_LINES = 40;
const MAX_DETAIL = 500;

/** Splits a byte stream into lines (LF, CRLF or lone CR), decoding UTF-8 across chunk boundaries. */
class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }
  end(): void {
    this.feed(this.decoder.end());
    if (this.pending !== "") this.emit(this.pending);
    this.pending = "";
  }
  private feed(text: string): void {
    if (text === "") return;
    const parts = (this.pending + text).split(/\r\n|\n|\r/);
    this.pending = parts.pop() ?? "";
    for (const part of parts) this.emit(part);
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL - 1)}…` : flat;
}

/**
 * The one-line error for a finished catboost process (§7.6): exit 1 with `AN EXCEPTION OCCURRED.`
 * → "exception" with CatBoost's message; 255 (−1: no or unknown mode) → "usage"; other codes →
 * "exit"; a signal → "signal". Exported for tests and for callers that run catboost themselves.
 */
export function describeFailure(
  mode: string,
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: readonly string[],
  stdout: readonly string[] = [],
): CatboostRunError {
  const outputTail = [...stderr.slice(-TAIL_LINES)];
  const lastLine = (all: readonly string[]): string | undefined =>
    [...all].reverse().find((line) => line.trim() !== "" && !line.includes(EXCEPTION_MARKER));
  if (signal !== null || code === null) {
    const name = signal ?? "an unknown signal";
    const hint = signal === "SIGKILL" ? " (out of memory?)" : "";
    return new CatboostRunError(`catboost ${mode} was killed by ${name}${hint}`, {
      kind: "signal",
      mode,
      ...(signal ? { processSignal: signal } : {}),
      outputTail,
    });
  }
  const details: CatboostRunErrorDetails = { kind: "exit", mode, processExitCode: code, outputTail };
  const exceptionAt = stderr.findIndex((line) => line.includes(EXCEPTION_MARKER));
  if (exceptionAt >= 0) {
    const line = stderr[exceptionAt] as string;
    const rest = line.slice(line.indexOf(EXCEPTION_MARKER) + EXCEPTION_MARKER.length).trim();
    const message = rest !== "" ? rest : (stderr.slice(exceptionAt + 1).find((l) => l.trim() !== "") ?? "");
    return new CatboostRunError(
      `catboost ${mode} failed (exit ${code}): ${oneLine(message) || "no message"}`,
      {
        ...details,
        kind: "exception",
      },
    );
  }
  if (code === 255) {
    const first = stderr.find((line) => line.trim() !== "") ?? stdout.find((line) => line.trim() !== "");
    return new CatboostRunError(
      `catboost ${mode}: usage error (exit 255)${first ? `: ${oneLine(first)}` : ""}`,
      { ...details, kind: "usage" },
    );
  }
  const last = lastLine(stderr) ?? lastLine(stdout);
  return new CatboostRunError(
    `catboost ${mode} exited with code ${code}${last ? `: ${oneLine(last)}` : ""}`,
    details,
  );
}

/**
 * Runs `binary args…` (no shell), streaming its output lines to `onLine`, and resolves when it
 * exits 0. Anything else rejects with a CatboostRunError whose message is one line (see
 * describeFailure); an abort rejects with the signal's reason (a CtError) or an InterruptedError.
 */
export function runCatboost(
  binary: string,
  args: readonly string[],
  opts: RunCatboostOptions = {},
): Promise<void> {
  const mode = args[0] ?? "(no mode)";
  const { signal } = opts;
  const interrupted = (): CtError =>
    signal?.reason instanceof CtError ? signal.reason : new InterruptedError(`catboost ${mode} interrupted`);
  if (signal?.aborted) return Promise.reject(interrupted());

  return new Promise<void>((resolve, reject) => {
    const stderr: string[] = [];
    const stdout: string[] = [];
    const keep = (all: string[], line: string) => {
      all.push(line);
      if (all.length > TAIL_LINES * 2) all.splice(0, all.length - TAIL_LINES);
    };
    const child = spawn(binary, [...args], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: { ...opts.env } } : {}),
    });
    const outLines = new LineSplitter((line) => {
      keep(stdout, line);
      opts.onLine?.(line, "stdout");
    });
    const errLines = new LineSplitter((line) => {
      keep(stderr, line);
      opts.onLine?.(line, "stderr");
    });
    child.stdout.on("data", (chunk: Buffer) => outLines.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => errLines.push(chunk));

    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), opts.killGraceMs ?? 5000);
      killTimer.unref();
    };
    signal?.addEventListener("abort", onAbort, { once: true });

    let settled = false;
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (error) reject(error);
      else resolve();
    };

    child.on("error", (error: NodeJS.ErrnoException) => {
      finish(
        new CatboostRunError(
          `cannot run catboost binary ${JSON.stringify(binary)}: ${error.code ?? error.message}`,
          { kind: "spawn", mode, outputTail: [] },
          { cause: error },
        ),
      );
    });
    child.on("close", (code, exitSignal) => {
      outLines.end();
      errLines.end();
      if (aborted) finish(interrupted());
      else if (code === 0) finish(undefined);
      else finish(describeFailure(mode, code, exitSignal, stderr, stdout));
    });
  });
}

/** `catboost fit` (args from buildFitArgs, starting with `fit`); see runCatboost. */
export function runFit(
  binary: string,
  args: readonly string[],
  opts: RunCatboostOptions = {},
): Promise<void> {
  return runCatboost(binary, args, opts);
}
