import { resolve } from "node:path";
import {
  loadSettings,
  redactUrl,
  type Settings,
  type SettingsArguments,
  withSettingsOptions,
} from "@ct/config";
import {
  ensureDatabase,
  openFeatureStore,
  type SeedResult,
  type SeedSource,
  seedFeatureStore,
} from "@ct/feature-store";
import {
  type CliContext,
  type CommandFactory,
  createLogger,
  defineCommand,
  type Logger,
  parseBaseDt,
  printSummary,
  UsageError,
} from "@ct/step-kit";
import type { Argv } from "yargs";

export interface SeedArguments {
  csv_dir: string | undefined;
  days: number;
  rows_per_day: number;
  start_date: string;
  seed: number;
  reset: boolean;
  create_database: boolean;
  json: boolean;
}

export const DEFAULT_SYNTHETIC = { days: 45, rowsPerDay: 200, startDate: "2025-01-01", seed: 42 } as const;

/** Adds the seed options (source, size, reset) to a command. */
export function withSeedOptions<T>(args: Argv<T>): Argv<T & SeedArguments> {
  return args
    .option("csv_dir", {
      alias: "csv-dir",
      type: "string",
      describe:
        "load customer_info.csv, credit_score.csv, credit_score_features.csv (reference fixture format) from this folder instead of synthetic data",
    })
    .option("days", {
      type: "number",
      default: DEFAULT_SYNTHETIC.days,
      describe: "synthetic: number of days",
    })
    .option("rows_per_day", {
      alias: "rows-per-day",
      type: "number",
      default: DEFAULT_SYNTHETIC.rowsPerDay,
      describe: "synthetic: rows per day",
    })
    .option("start_date", {
      alias: "start-date",
      type: "string",
      default: DEFAULT_SYNTHETIC.startDate,
      describe: "synthetic: first day YYYY-MM-DD",
    })
    .option("seed", {
      type: "number",
      default: DEFAULT_SYNTHETIC.seed,
      describe: "synthetic: random seed (same seed, same rows)",
    })
    .option("reset", {
      type: "boolean",
      default: false,
      describe: "drop and recreate the feature-store tables first (snapshots included)",
    })
    .option("create_database", {
      alias: "create-database",
      type: "boolean",
      default: false,
      describe: "create the database named in FEATURE_STORE_URL if missing",
    })
    .option("json", {
      type: "boolean",
      default: false,
      describe: "print a one-line JSON summary on stdout",
    }) as unknown as Argv<T & SeedArguments>;
}

function parseStartDate(value: string): string {
  try {
    return parseBaseDt(value);
  } catch {
    throw new UsageError(
      `invalid --start_date ${JSON.stringify(value)}: expected a real calendar date written YYYY-MM-DD`,
    );
  }
}

function seedSource(argv: SeedArguments, context: CliContext): SeedSource {
  if (argv.csv_dir !== undefined) return { kind: "csv", directory: resolve(context.cwd, argv.csv_dir) };
  for (const [name, value] of [
    ["days", argv.days],
    ["rows_per_day", argv.rows_per_day],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new UsageError(`invalid --${name} ${value}: expected a positive integer`);
  }
  if (!Number.isInteger(argv.seed) || argv.seed < 0)
    throw new UsageError(`invalid --seed ${argv.seed}: expected a non-negative integer`);
  return {
    kind: "synthetic",
    options: {
      startDate: parseStartDate(argv.start_date),
      days: argv.days,
      rowsPerDay: argv.rows_per_day,
      seed: argv.seed,
    },
  };
}

/** Seeds the feature store described by `settings`; shared by `ct seed` and `ct demo`. */
export async function seedWithSettings(
  settings: Settings,
  source: SeedSource,
  options: { reset: boolean; createDatabase: boolean; logger: Logger },
): Promise<SeedResult> {
  const { logger } = options;
  if (options.createDatabase) await ensureDatabase(settings.featureStoreUrl);
  logger.info(
    `seeding ${redactUrl(settings.featureStoreUrl)} from ${source.kind === "csv" ? source.directory : `synthetic ${JSON.stringify(source.options)}`}`,
  );
  const store = await openFeatureStore(settings.featureStoreUrl, {
    retrySeconds: settings.featureStoreRetrySeconds,
    logger,
  });
  try {
    return await seedFeatureStore(store, {
      source,
      reset: options.reset,
      logger,
      retrySeconds: settings.featureStoreRetrySeconds,
    });
  } finally {
    await store.close();
  }
}

/** `ct seed`: create the schema and load reference-format CSVs or synthetic data. */
export const seedCommand: CommandFactory = defineCommand<SeedArguments & SettingsArguments>((context) => ({
  command: "seed",
  describe: "create the feature-store schema and load CSVs or deterministic synthetic data",
  builder: (args) => withSettingsOptions(withSeedOptions(args)),
  handler: async (argv) => {
    const settings = loadSettings({ flags: argv, env: context.env, cwd: context.cwd });
    const source = seedSource(argv, context);
    const logger = createLogger("seed", context.stderr);
    const result = await seedWithSettings(settings, source, {
      reset: argv.reset,
      createDatabase: argv.create_database,
      logger,
    });
    printSummary(context, argv.json, { step: "seed", status: "ok", ...result });
  },
}));
