import { type CommandFactory, defineCommand } from "@ct/step-kit";
import {
  type BackfillArguments,
  backfillCommandHandler,
  type RunArguments,
  runCommandHandler,
  type SetUpOptions,
  withBackfillOptions,
  withRunOptions,
} from "../src/index.ts";

/** `run` and `backfill` exactly as the umbrella CLI defines them, with test set-up options. */
export function runnerCommands(options: SetUpOptions): CommandFactory[] {
  return [
    defineCommand<RunArguments>((context) => ({
      command: "run",
      describe: "run the steps for one date",
      builder: (args) => withRunOptions(args),
      handler: (argv) => runCommandHandler(argv, context, options),
    })),
    defineCommand<BackfillArguments>((context) => ({
      command: "backfill",
      describe: "run the steps for a range of dates",
      builder: (args) => withBackfillOptions(args),
      handler: (argv) => backfillCommandHandler(argv, context, options),
    })),
  ];
}
