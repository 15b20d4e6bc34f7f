import { processContext, runCli } from "@ct/step-kit";
import { runGridWorkerIfWorker } from "@ct/training";
import packageJson from "../package.json" with { type: "json" };
import { CT_COMMANDS, CT_EPILOGUE } from "./commands.ts";

// The same file serves as the train grid's worker thread script (see docs/training.md).
if (!runGridWorkerIfWorker()) {
  const context = processContext();
  process.exitCode = await runCli(
    { scriptName: "ct", version: packageJson.version, commands: CT_COMMANDS, epilogue: CT_EPILOGUE },
    process.argv.slice(2),
    context,
  );
}
