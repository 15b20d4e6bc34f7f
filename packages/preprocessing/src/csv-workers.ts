import { Worker } from "node:worker_threads";
import { type CsvTable, createCsvFormatter } from "./csv-format.ts";

/**
 * The worker's program, as text: the steps ship as single-file bundles, so there is no separate
 * worker file to point `new Worker` at. The formatter is self-contained and travels as its own
 * source (`Function.prototype.toString`), which is the same code in the bundle and under vitest.
 * `__name` is a no-op stand-in for the helper esbuild inserts when a build keeps function names.
 * Protocol: `{ table, buffers }` sets the table and the shared output buffers; `{ id, start, end,
 * buffer }` formats rows into `buffers[buffer]` and answers `{ id, length }` (or `{ id, error }`).
 */
export const CSV_WORKER_SOURCE = `"use strict";
var __name = (target) => target;
const { parentPort } = require("node:worker_threads");
const createCsvFormatter = (${createCsvFormatter.toString()});
let formatter;
let buffers = [];
parentPort.on("message", (message) => {
  if (message.table) {
    formatter = createCsvFormatter(message.table);
    buffers = message.buffers;
    return;
  }
  try {
    const length = formatter.format(message.start, message.end, buffers[message.buffer]);
    parentPort.postMessage({ id: message.id, length });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String((error && error.stack) || error) });
  }
});
`;

interface Job {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  readonly buffer: number;
  resolve(length: number): void;
  reject(error: Error): void;
}

/** Jobs queued at each worker, so it starts the next chunk without waiting for the main thread. */
const JOBS_PER_WORKER = 2;

/**
 * Worker threads that format CSV rows of a {@link CsvTable} in parallel ({@link createCsvFormatter}
 * in each), into output buffers shared with the caller. Start it early (threads boot while the
 * snapshot is read), `use` a table, `format` chunks, `close` at the end. The table's arrays and
 * the buffers must live on SharedArrayBuffers: workers read and write them in place, nothing is
 * copied.
 */
export class CsvWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly assigned = new Map<Worker, Job[]>();
  private failure: Error | undefined;
  private nextId = 0;

  constructor(readonly size: number) {
    for (let index = 0; index < size; index++) {
      const worker = new Worker(CSV_WORKER_SOURCE, { eval: true, name: `ct-csv-${index}` });
      const jobs: Job[] = [];
      worker.on("message", (message: { id: number; length?: number; error?: string }) => {
        const job = jobs.shift();
        if (message.error !== undefined) job?.reject(new Error(`CSV worker failed: ${message.error}`));
        else job?.resolve(message.length as number);
        this.dispatch();
      });
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => {
        if (jobs.length > 0 || !this.failure) this.fail(new Error(`CSV worker exited with code ${code}`));
      });
      this.workers.push(worker);
      this.assigned.set(worker, jobs);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const jobs = [...this.queue.splice(0)];
    for (const assigned of this.assigned.values()) jobs.push(...assigned.splice(0));
    for (const job of jobs) job.reject(this.failure);
  }

  /** Hands queued jobs to the least busy workers, up to JOBS_PER_WORKER each. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let target: Worker | undefined;
      let least = JOBS_PER_WORKER;
      for (const worker of this.workers) {
        const count = (this.assigned.get(worker) as Job[]).length;
        if (count < least) {
          least = count;
          target = worker;
        }
      }
      if (!target) return;
      const job = this.queue.shift() as Job;
      (this.assigned.get(target) as Job[]).push(job);
      target.postMessage({ id: job.id, start: job.start, end: job.end, buffer: job.buffer });
    }
  }

  /** Hands `table` and the output buffers (on SharedArrayBuffers) to every worker. */
  use(table: CsvTable, buffers: readonly Uint8Array[]): void {
    for (const worker of this.workers) worker.postMessage({ table, buffers });
  }

  /** Formats output rows `start … end − 1` of the table in use into `buffers[buffer]`; the length. */
  format(start: number, end: number, buffer: number): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, start, end, buffer, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    this.failure ??= new Error("CSV worker pool is closed");
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
