// A `ct`-like bin with only `run` and `backfill`, bundled by the tests (see build-cli.ts) so they
// can start the runner as a real process and send it SIGINT. CT_TEST_REPOSITORY_ROOT points it at
// a fake repository; CT_TEST_IMAGE_PREFIX names the test images (never the real ct-<step> ones).
import { processContext, runCli } from "@ct/step-kit";
import { runnerCommands } from "./commands.ts";

const root = process.env.CT_TEST_REPOSITORY_ROOT;
const prefix = process.env.CT_TEST_IMAGE_PREFIX;
const context = processContext();
process.exitCode = await runCli(
  {
    scriptName: "ct",
    version: "0.0.0",
    commands: runnerCommands({
      ...(root ? { repositoryRoot: root } : {}),
      ...(prefix ? { imageName: (step: string) => `${prefix}${step}` } : {}),
    }),
  },
  process.argv.slice(2),
  context,
);
