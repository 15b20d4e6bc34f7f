import { type BackfillArguments, backfillCommandHandler, withBackfillOptions } from "@ct/runner";
import { type CommandFactory, defineCommand } from "@ct/step-kit";

/**
 * `ct backfill --from D1 --to D2`: `ct run` for every date of the range in order, resuming after
 * the last finished date on a re-run (docs/runner.md).
 */
export const backfillCommand: CommandFactory = defineCommand<BackfillArguments>((context) => ({
  command: "backfill",
  describe:
    "run the steps for every date from --from to --to in order; a re-run resumes after the last finished date",
  builder: (args) => withBackfillOptions(args),
  handler: (argv) => backfillCommandHandler(argv, context),
}));
