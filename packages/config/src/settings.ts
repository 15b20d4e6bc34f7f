import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { isValidTimeZone, UsageError } from "@ct/step-kit";
import { parse as parseDotenv } from "dotenv";
import { z } from "zod";
import { redactUrl } from "./redact.ts";

/** ct's configuration: one typed object, built once by a command and passed down. */
export interface Settings {
  /** `mysql://user:password@host:port/database` — a secret: print it with `redactUrl`. */
  readonly featureStoreUrl: string;
  /** How long to retry an unreachable feature store before failing with exit 4. */
  readonly featureStoreRetrySeconds: number;
  /** Absolute folder for step outputs (`preprocessing/<model>/<base_dt>/…`). */
  readonly artifactsPath: string;
  /** IANA time zone that defines "today" for the default `base_dt`. */
  readonly timeZone: string;
  /** BentoML-compatible model store root (BentoML's `BENTOML_HOME`); absolute. */
  readonly modelStorePath: string;
  /** MLflow tracking URI: a directory, `file://…` or `http(s)://…` — may hold credentials: print it with `redactUrl`. */
  readonly mlflowTrackingUri: string;
  /** MLflow REST credentials (bearer token, or basic auth), when the server needs them. */
  readonly mlflowTrackingToken?: string;
  readonly mlflowTrackingUsername?: string;
  readonly mlflowTrackingPassword?: string;
  /** The catboost CLI binary named by `CATBOOST_BIN`, if any (else `catboost` is looked up on `PATH`). */
  readonly catboostBin?: string;
  /** The `PATH` to look executables up on. */
  readonly executableSearchPath: string;
}

/** Where each setting can come from. `secret` settings may also come from files. */
interface SettingSource {
  readonly key: Exclude<keyof Settings, "executableSearchPath"> | "featureStorePassword";
  readonly flag?: string;
  readonly env: string;
  readonly secret: boolean;
  /** A fixed default, or one derived from the environment (e.g. from `HOME`). */
  readonly defaultValue?:
    | string
    | ((env: Readonly<Record<string, string | undefined>>) => string | undefined);
}

export const DEFAULT_FEATURE_STORE_URL = "mysql://root@127.0.0.1:3306/mlops";
export const DEFAULT_TIME_ZONE = "Asia/Seoul";
export const DEFAULT_SECRETS_DIR = "/run/secrets";

const SOURCES: readonly SettingSource[] = [
  {
    key: "featureStoreUrl",
    flag: "feature_store_url",
    env: "FEATURE_STORE_URL",
    secret: true,
    defaultValue: DEFAULT_FEATURE_STORE_URL,
  },
  { key: "featureStorePassword", env: "FEATURE_STORE_PASSWORD", secret: true },
  {
    key: "featureStoreRetrySeconds",
    flag: "feature_store_retry_seconds",
    env: "FEATURE_STORE_RETRY_SECONDS",
    secret: false,
    defaultValue: "30",
  },
  {
    key: "artifactsPath",
    flag: "artifacts_path",
    env: "ARTIFACTS_PATH",
    secret: false,
    defaultValue: "artifacts",
  },
  { key: "timeZone", flag: "timezone", env: "CT_TIMEZONE", secret: false, defaultValue: DEFAULT_TIME_ZONE },
  {
    key: "modelStorePath",
    flag: "model_store_path",
    env: "MODEL_STORE_PATH",
    secret: false,
    // BentoML's own variable, then its default `~/bentoml`.
    defaultValue: (env) => env.BENTOML_HOME ?? (env.HOME ? join(env.HOME, "bentoml") : "bentoml"),
  },
  {
    key: "mlflowTrackingUri",
    flag: "mlflow_tracking_uri",
    env: "MLFLOW_TRACKING_URI",
    secret: true,
    defaultValue: "mlruns",
  },
  { key: "mlflowTrackingToken", env: "MLFLOW_TRACKING_TOKEN", secret: true },
  { key: "mlflowTrackingUsername", env: "MLFLOW_TRACKING_USERNAME", secret: false },
  { key: "mlflowTrackingPassword", env: "MLFLOW_TRACKING_PASSWORD", secret: true },
  { key: "catboostBin", flag: "catboost_bin", env: "CATBOOST_BIN", secret: false },
];

/** Everything settings are built from. The caller passes the process's values in. */
export interface SettingsInput {
  /** Parsed command-line flags (snake_case names as in `--feature_store_url`). */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const settingsSchema = z.object({
  featureStoreUrl: z.string().superRefine((value, context) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({
        code: "custom",
        message: `not a URL: ${JSON.stringify(redactUrl(value))}; expected mysql://user:password@host:port/database`,
      });
      return;
    }
    if (url.protocol !== "mysql:" && url.protocol !== "mariadb:") {
      context.addIssue({
        code: "custom",
        message: `unsupported scheme ${JSON.stringify(url.protocol)}; expected mysql: or mariadb:`,
      });
    }
    if (!url.hostname) context.addIssue({ code: "custom", message: "the URL names no host" });
    if (url.pathname.replace(/^\//, "") === "") {
      context.addIssue({
        code: "custom",
        message: "the URL names no database; expected mysql://user:password@host:port/database",
      });
    }
  }),
  featureStoreRetrySeconds: z.coerce.number().min(0).max(3600),
  artifactsPath: z.string().min(1),
  timeZone: z.string().refine(isValidTimeZone, { message: "not an IANA time zone name such as Asia/Seoul" }),
  modelStorePath: z.string().min(1),
  mlflowTrackingUri: z.string().min(1),
  mlflowTrackingToken: z.string().min(1).optional(),
  mlflowTrackingUsername: z.string().min(1).optional(),
  mlflowTrackingPassword: z.string().optional(),
  catboostBin: z.string().min(1).optional(),
});

function readSecretFile(path: string, variable: string): string {
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    throw new UsageError(
      `cannot read ${variable} file ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}

function loadDotenv(input: SettingsInput): Record<string, string> {
  const explicit = typeof input.flags?.env_file === "string" ? input.flags.env_file : input.env.CT_ENV_FILE;
  const path = resolve(input.cwd, explicit ?? ".env");
  if (!existsSync(path)) {
    if (explicit) throw new UsageError(`env file ${JSON.stringify(explicit)} does not exist`);
    return {};
  }
  return parseDotenv(readFileSync(path));
}

/**
 * Builds the settings from, in order of precedence: command-line flags > environment > `.env`
 * file > secrets directory (for secrets) > defaults. A secret `NAME` may also be given as a file
 * path in `NAME_FILE` (environment or `.env`), or as a file `name` (lowercase) in the secrets
 * directory (`CT_SECRETS_DIR`, default `/run/secrets`). All problems are reported at once.
 */
export function loadSettings(input: SettingsInput): Settings {
  const dotenv = loadDotenv(input);
  const secretsDir = input.env.CT_SECRETS_DIR ?? dotenv.CT_SECRETS_DIR ?? DEFAULT_SECRETS_DIR;
  const raw: Partial<Record<SettingSource["key"], string>> = {};
  for (const source of SOURCES) {
    const flagValue = source.flag ? input.flags?.[source.flag] : undefined;
    const fileVariable = `${source.env}_FILE`;
    const secretPath = join(secretsDir, source.env.toLowerCase());
    const value =
      (flagValue === undefined || flagValue === null ? undefined : String(flagValue)) ??
      input.env[source.env] ??
      (source.secret && input.env[fileVariable]
        ? readSecretFile(resolve(input.cwd, input.env[fileVariable]), fileVariable)
        : undefined) ??
      dotenv[source.env] ??
      (source.secret && dotenv[fileVariable]
        ? readSecretFile(resolve(input.cwd, dotenv[fileVariable]), fileVariable)
        : undefined) ??
      (source.secret && existsSync(secretPath) ? readSecretFile(secretPath, source.env) : undefined) ??
      (typeof source.defaultValue === "function" ? source.defaultValue(input.env) : source.defaultValue);
    if (value !== undefined) raw[source.key] = value;
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new UsageError(`invalid settings: ${problems.join("; ")}`);
  }
  const settings = parsed.data;
  let featureStoreUrl = settings.featureStoreUrl;
  if (raw.featureStorePassword !== undefined) {
    const url = new URL(featureStoreUrl);
    url.password = encodeURIComponent(raw.featureStorePassword);
    featureStoreUrl = url.toString();
  }
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(input.cwd, path));
  return {
    featureStoreUrl,
    featureStoreRetrySeconds: settings.featureStoreRetrySeconds,
    artifactsPath: absolute(settings.artifactsPath),
    timeZone: settings.timeZone,
    modelStorePath: absolute(settings.modelStorePath),
    mlflowTrackingUri: /^[a-z][a-z0-9+.-]*:/i.test(settings.mlflowTrackingUri)
      ? settings.mlflowTrackingUri
      : absolute(settings.mlflowTrackingUri),
    ...(settings.mlflowTrackingToken === undefined
      ? {}
      : { mlflowTrackingToken: settings.mlflowTrackingToken }),
    ...(settings.mlflowTrackingUsername === undefined
      ? {}
      : { mlflowTrackingUsername: settings.mlflowTrackingUsername }),
    ...(settings.mlflowTrackingPassword === undefined
      ? {}
      : { mlflowTrackingPassword: settings.mlflowTrackingPassword }),
    ...(settings.catboostBin === undefined ? {} : { catboostBin: absolute(settings.catboostBin) }),
    executableSearchPath: input.env.PATH ?? "",
  };
}

/** The settings as safe to print: secrets redacted. */
export function describeSettings(settings: Settings): Record<string, string | number> {
  const { executableSearchPath: _path, mlflowTrackingToken, mlflowTrackingPassword, ...shown } = settings;
  return {
    ...shown,
    featureStoreUrl: redactUrl(settings.featureStoreUrl),
    mlflowTrackingUri: redactUrl(settings.mlflowTrackingUri),
    ...(mlflowTrackingToken === undefined ? {} : { mlflowTrackingToken: "***" }),
    ...(mlflowTrackingPassword === undefined ? {} : { mlflowTrackingPassword: "***" }),
  };
}
