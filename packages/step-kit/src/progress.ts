import type { Logger } from "./log.ts";

export interface Progress {
  /** Adds `count` units of finished work. */
  advance(count: number): void;
  /** Marks the work finished and prints the final line. */
  finish(): void;
}

export interface ProgressOptions {
  label: string;
  /** Expected total units, when known (enables percent and ETA). */
  total?: number;
  unit?: string;
  /** Minimum milliseconds between plain-text lines (non-TTY). */
  lineIntervalMs?: number;
}

const BAR_WIDTH = 24;

function formatCount(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return String(value);
}

/**
 * Progress of long work: a redrawn bar with ETA on a TTY, plain log lines at most every
 * `lineIntervalMs` elsewhere (containers, CI). Hand-written because it is ~50 lines and the
 * libraries for it (cli-progress, …) assume a TTY or add dependencies to every image.
 */
export function createProgress(logger: Logger, options: ProgressOptions): Progress {
  const { label, total, unit = "rows", lineIntervalMs = 5000 } = options;
  const tty = logger.sink.isTTY === true;
  const started = Date.now();
  let done = 0;
  let lastDraw = 0;

  const describe = (): string => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    // Slow work (a grid of minutes-long configurations) shows its rate per minute, not "0 /s".
    const rateText =
      rate > 0 && rate < 1
        ? `${formatCount(Math.round(rate * 60))} ${unit}/min`
        : `${formatCount(Math.round(rate))} ${unit}/s`;
    if (total === undefined || total <= 0) return `${formatCount(done)} ${unit}, ${rateText}`;
    const fraction = Math.min(1, done / total);
    const eta = rate > 0 ? Math.max(0, (total - done) / rate) : 0;
    return `${(fraction * 100).toFixed(0)}% ${formatCount(done)}/${formatCount(total)} ${unit}, ${rateText}, ETA ${eta.toFixed(0)}s`;
  };

  const draw = (final: boolean): void => {
    if (tty) {
      const fraction = total ? Math.min(1, done / total) : 0;
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = total ? `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ` : "";
      logger.sink.write(`\r${label} ${bar}${describe()}\u001b[K${final ? "\n" : ""}`);
    } else {
      logger.info(`${label}: ${describe()}${final ? " (done)" : ""}`);
    }
  };

  return {
    advance(count: number) {
      done += count;
      const now = Date.now();
      if (now - lastDraw >= (tty ? 100 : lineIntervalMs)) {
        lastDraw = now;
        draw(false);
      }
    },
    finish() {
      draw(true);
    },
  };
}
