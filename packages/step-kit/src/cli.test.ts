import { describe, expect, it } from "vitest";
import { type CliContext, defineCommand, reportError, runCli, withStepOptions } from "./cli.ts";
import { NoInputError } from "./errors.ts";

function captureContext(): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    env: {},
    cwd: "/",
  };
}

const echo = defineCommand<{ model_name: string; base_dt: string | undefined; json: boolean }>((context) => ({
  command: "echo",
  describe: "echo",
  builder: (args) => withStepOptions(args),
  handler: (argv) => {
    if (argv.base_dt === "1999-01-01") throw new NoInputError("nothing for 1999-01-01");
    context.stdout.write(`${argv.model_name} ${argv.base_dt}\n`);
  },
}));

describe("runCli", () => {
  it("accepts snake_case and kebab-case flags", async () => {
    const context = captureContext();
    const code = await runCli(
      { scriptName: "t", version: "1", commands: [echo], singleCommand: true },
      ["--model-name", "m1", "--base_dt", "2025-02-10"],
      context,
    );
    expect(code).toBe(0);
    expect(context.out.join("")).toBe("m1 2025-02-10\n");
  });

  it("maps unknown flags to exit 2 with one line", async () => {
    const context = captureContext();
    const code = await runCli(
      { scriptName: "t", version: "1", commands: [echo], singleCommand: true },
      ["--nope"],
      context,
    );
    expect(code).toBe(2);
    expect(context.err.join("")).toMatch(/^t: error: Unknown argument: nope\n$/);
  });

  it("maps typed errors to their exit code", async () => {
    const context = captureContext();
    const code = await runCli(
      { scriptName: "t", version: "1", commands: [echo] },
      ["echo", "--base_dt", "1999-01-01"],
      context,
    );
    expect(code).toBe(3);
    expect(context.err.join("")).toBe("t: error: nothing for 1999-01-01\n");
  });

  it("requires a command in multi-command mode", async () => {
    const context = captureContext();
    expect(await runCli({ scriptName: "t", version: "1", commands: [echo] }, [], context)).toBe(2);
  });

  it("reports a full disk or a forbidden folder in one line, an unexpected error with its stack", () => {
    const lines: string[] = [];
    const sink = { write: (chunk: string) => lines.push(chunk) };
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    reportError("t", full, sink);
    expect(lines.join("")).toBe("t: error: ENOSPC: no space left on device, write\n");
    lines.length = 0;
    reportError("t", new TypeError("x is not a function"), sink);
    expect(lines.join("")).toMatch(/^t: internal error: TypeError: x is not a function\n\s+at /);
  });
});
