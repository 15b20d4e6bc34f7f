import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExitCode, InterruptedError } from "@ct/step-kit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeCatboost, writeFakeCatboost } from "../test-support/fake-catboost.ts";
import { CatboostRunError } from "./errors.ts";
import { buildFitArgs } from "./params.ts";
import { describeFailure, runCatboost, runFit } from "./run.ts";

let root: string;
let fake: FakeCatboost;
let args: string[];
let trainDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ct-catboost-run-"));
  fake = await writeFakeCatboost(join(root, "fake"));
  trainDir = join(root, "train");
  await mkdir(trainDir);
  await writeFile(join(root, "learn.tsv"), "label\tx\na\t1\nb\t2\nc\t3\n");
  await writeFile(join(root, "learn.cd"), "0\tLabel\n1\tNum\tx\n");
  args = buildFitArgs(
    { loss_function: "MultiClass", iterations: 3, verbose: 1 },
    {
      learn: join(root, "learn.tsv"),
      test: join(root, "learn.tsv"),
      cd: join(root, "learn.cd"),
      trainDir,
      modelFile: join(trainDir, "model.bin"),
    },
  );
});

beforeEach(async () => {
  await fake.configure({});
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<CatboostRunError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CatboostRunError);
  return error as CatboostRunError;
}

describe("runFit", () => {
  it("runs the binary with the argv and streams its output lines", async () => {
    const lines: [string, string][] = [];
    await runFit(fake.binary, args, { onLine: (line, stream) => lines.push([line, stream]), cwd: trainDir });
    expect((await fake.calls()).at(-1)).toEqual(args);
    expect(lines).toContainEqual(["bestIteration = 2", "stdout"]);
    expect(lines.filter(([line]) => /^\d+:\tlearn: /.test(line))).toHaveLength(3);
  });

  it("maps exit code 1 with AN EXCEPTION OCCURRED to a one-line error carrying CatBoost's message", async () => {
    await fake.configure({ exitCode: 1, exceptionMessage: "Error in dsv data. Line 3: wrong column count" });
    const error = await failure(runFit(fake.binary, args));
    expect(error.kind).toBe("exception");
    expect(error.mode).toBe("fit");
    expect(error.processExitCode).toBe(1);
    expect(error.exitCode).toBe(ExitCode.failure);
    expect(error.message).toBe(
      "catboost fit failed (exit 1): (TCatBoostException) fake-catboost: Error in dsv data. Line 3: wrong column count",
    );
    expect(error.message).not.toContain("\n");
    expect(error.outputTail.some((line) => line.startsWith("AN EXCEPTION OCCURRED."))).toBe(true);
  });

  it("reports a bad pool the way catboost does (the fake reads pools like CatBoost's DSV loader)", async () => {
    const bad = join(root, "bad.tsv");
    await writeFile(bad, "label\tx\na\t1\nb\tnot-a-number\n");
    const error = await failure(
      runFit(
        fake.binary,
        args.map((token) => (token === join(root, "learn.tsv") ? bad : token)),
      ),
    );
    expect(error.kind).toBe("exception");
    expect(error.message).toMatch(
      /^catboost fit failed \(exit 1\): .*Factor 1=not-a-number cannot be parsed as float\.$/,
    );
  });

  it("a pool with a bare quote in a categorical cell fails like CatBoost's CsvSplitter (why writePool quotes)", async () => {
    const pool = join(root, "quoted.tsv");
    const cd = join(root, "quoted.cd");
    await writeFile(pool, 'label\tc\na\tsay "hi"\n');
    await writeFile(cd, "0\tLabel\n1\tCateg\tc\n");
    const quotedArgs = args.map((token) =>
      token === join(root, "learn.tsv") ? pool : token === join(root, "learn.cd") ? cd : token,
    );
    const error = await failure(runFit(fake.binary, quotedArgs));
    expect(error.message).toMatch(/RFC4180 violation: quotation mark must be in the escaped string only$/);
    await writeFile(pool, 'label\tc\na\t"say ""hi"""\n');
    await runFit(fake.binary, quotedArgs);
  });

  it("maps exit code 255 (no or unknown mode) to a usage failure", async () => {
    const error = await failure(runCatboost(fake.binary, ["fitt"]));
    expect(error.kind).toBe("usage");
    expect(error.processExitCode).toBe(255);
    expect(error.message).toBe("catboost fitt: usage error (exit 255): Usage: catboost <mode> [options]");
  });

  it("maps any other exit code, naming the last stderr line", async () => {
    await fake.configure({ exitCode: 3, stderrLine: "bad things" });
    const error = await failure(runFit(fake.binary, args));
    expect(error.kind).toBe("exit");
    expect(error.message).toBe("catboost fit exited with code 3: bad things");
  });

  it("reports a process killed by a signal", async () => {
    await fake.configure({ killSignal: "SIGKILL" });
    const error = await failure(runFit(fake.binary, args));
    expect(error.kind).toBe("signal");
    expect(error.processSignal).toBe("SIGKILL");
    expect(error.message).toBe("catboost fit was killed by SIGKILL (out of memory?)");
  });

  it("reports a binary that cannot be started", async () => {
    const error = await failure(runFit(join(root, "no-such-catboost"), args));
    expect(error.kind).toBe("spawn");
    expect(error.message).toBe(
      `cannot run catboost binary ${JSON.stringify(join(root, "no-such-catboost"))}: ENOENT`,
    );
  });

  it("kills the process on abort and rejects with InterruptedError (exit 130)", async () => {
    await fake.configure({ sleepMs: 30_000 });
    const controller = new AbortController();
    const started = Date.now();
    const promise = runFit(fake.binary, args, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(runFit(fake.binary, args, { signal: controller.signal })).rejects.toBeInstanceOf(
      InterruptedError,
    );
  });
});

describe("describeFailure", () => {
  it("keeps the message on one line and bounded", () => {
    const long = "x".repeat(2000);
    const error = describeFailure("fit", 1, null, ["AN EXCEPTION OCCURRED.", `multi\tpart ${long}`]);
    expect(error.kind).toBe("exception");
    expect(error.message.startsWith("catboost fit failed (exit 1): multi part xxx")).toBe(true);
    expect(error.message.length).toBeLessThan(600);
    expect(describeFailure("calc", 2, null, [], ["last stdout line"]).message).toBe(
      "catboost calc exited with code 2: last stdout line",
    );
    expect(describeFailure("fit", null, "SIGSEGV", []).message).toBe("catboost fit was killed by SIGSEGV");
  });
});
