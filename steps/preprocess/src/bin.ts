import { processContext, runCli } from "@ct/step-kit";
import packageJson from "../package.json" with { type: "json" };
import { preprocessCommand } from "./command.ts";

const context = processContext();
process.exitCode = await runCli(
  {
    scriptName: "ct-preprocess",
    version: packageJson.version,
    commands: [preprocessCommand],
    singleCommand: true,
  },
  process.argv.slice(2),
  context,
);
