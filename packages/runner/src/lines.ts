import { StringDecoder } from "node:string_decoder";
import type { LogSink } from "@ct/step-kit";

/** Which stream of a step a line came from. */
export type StepStream = "stdout" | "stderr";

/** Receives a step's output, one complete line at a time (without its line end). */
export interface StepOutput {
  line(stream: StepStream, text: string): void;
}

/** A writable end that cuts bytes into lines (UTF-8 safe across chunk borders). */
export interface LineWriter {
  write(chunk: Buffer | string): boolean;
  /** Emits a last line without a line end, if any. */
  end(): void;
}

/** Cuts a byte stream into lines for `onLine`; `\r\n` and `\n` both end a line. */
export function createLineWriter(onLine: (text: string) => void): LineWriter {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const push = (text: string): void => {
    pending += text;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  };
  return {
    write(chunk) {
      push(typeof chunk === "string" ? chunk : decoder.write(chunk));
      return true;
    },
    end() {
      push(decoder.end());
      if (pending.length > 0) {
        const line = pending;
        pending = "";
        onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
      }
    },
  };
}

/**
 * Writes each line to `sink` prefixed with the step's name, padded to `width` so the columns of
 * several steps line up (`extract    | …`), like `docker compose` does.
 */
export function prefixedOutput(sink: LogSink, step: string, width = step.length): StepOutput {
  const prefix = `${step.padEnd(width)} | `;
  return {
    line(_stream, text) {
      sink.write(`${prefix}${text}\n`);
    },
  };
}
