import { processContext, runCli } from "@ct/step-kit";
import packageJson from "../package.json" with { type: "json" };
import { extractCommand } from "./command.ts";

const context = processContext();
process.exitCode = await runCli(
  { scriptName: "ct-extract", version: packageJson.version, commands: [extractCommand], singleCommand: true },
  process.argv.slice(2),
  context,
);
