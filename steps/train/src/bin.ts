import { processContext, runCli } from "@ct/step-kit";
import { runGridWorkerIfWorker } from "@ct/training";
import packageJson from "../package.json" with { type: "json" };
import { trainCommand } from "./command.ts";

// The same file serves as the grid's worker thread script (see docs/training.md).
if (!runGridWorkerIfWorker()) {
  const context = processContext();
  process.exitCode = await runCli(
    { scriptName: "ct-train", version: packageJson.version, commands: [trainCommand], singleCommand: true },
    process.argv.slice(2),
    context,
  );
}
