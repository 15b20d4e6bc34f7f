import { extractCommand } from "@ct/extract";
import { preprocessCommand } from "@ct/preprocess";
import type { CommandFactory } from "@ct/step-kit";
import { predictCommand, trainCommand } from "@ct/train";
import { backfillCommand } from "./commands/backfill.ts";
import { demoCommand } from "./commands/demo.ts";
import { runCommand } from "./commands/run.ts";
import { seedCommand } from "./commands/seed.ts";

/** Every `ct` command, in help order. Steps are the same command modules their own bins run. */
export const CT_COMMANDS: readonly CommandFactory[] = [
  seedCommand,
  extractCommand,
  preprocessCommand,
  trainCommand,
  predictCommand,
  demoCommand,
  runCommand,
  backfillCommand,
];

export const CT_EPILOGUE =
  "Exit codes: 0 ok, 1 failure, 2 usage error, 3 no input data, 4 feature store unreachable.\n" +
  "Settings: flags > environment > .env > /run/secrets > defaults (see README).";
