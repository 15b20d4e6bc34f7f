/** Where human-readable output goes: stderr by default, so stdout stays free for `--json`. */
export interface LogSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface Logger {
  readonly name: string;
  readonly sink: LogSink;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that writes `<time> <name> <level> <message>` lines to `sink` (stderr by default). */
export function createLogger(name: string, sink: LogSink = process.stderr): Logger {
  const line = (level: string, message: string): void => {
    sink.write(`${new Date().toISOString()} ${name} ${level} ${message}\n`);
  };
  return {
    name,
    sink,
    info: (message) => line("INFO", message),
    warn: (message) => line("WARN", message),
    error: (message) => line("ERROR", message),
  };
}

/** A logger that drops everything (tests, library callers that want silence). */
export const silentLogger: Logger = {
  name: "silent",
  sink: { write: () => true },
  info: () => {},
  warn: () => {},
  error: () => {},
};
