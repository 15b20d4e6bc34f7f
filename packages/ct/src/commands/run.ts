import { type RunArguments, runCommandHandler, withRunOptions } from "@ct/runner";
import { type CommandFactory, defineCommand } from "@ct/step-kit";

/**
 * `ct run --model_name M --base_dt D`: extract → preprocess → train for one date as containers
 * (dockerode), or as local processes with `--local`; the logic lives in @ct/runner (docs/runner.md).
 */
export const runCommand: CommandFactory = defineCommand<RunArguments>((context) => ({
  command: "run",
  describe:
    "run extract, preprocess and train for one date as containers (--local: as processes), stopping at the first failure",
  builder: (args) => withRunOptions(args),
  handler: (argv) => runCommandHandler(argv, context),
}));
