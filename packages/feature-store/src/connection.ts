import {
  FeatureStoreUnavailableError,
  InterruptedError,
  type Logger,
  silentLogger,
  withRetry,
} from "@ct/step-kit";
import mysql, { type Pool, type PoolOptions } from "mysql2/promise";

/** Error codes (mysql2 / Node) that mean "not reachable yet": worth retrying. */
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
  "ER_SERVER_GONE_ERROR",
  "ER_SERVER_LOST",
]);

/** Error codes that mean the server answered but refuses us: retrying will not help. */
const REFUSAL_CODES = new Set([
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_BAD_DB_ERROR",
  "ER_HOST_NOT_PRIVILEGED",
]);

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isTransientConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** Turns a transient connection failure met mid-work into exit 4; other errors pass through. */
export function unavailableIfTransient(error: unknown, what: string): unknown {
  if (!isTransientConnectionError(error)) return error;
  return new FeatureStoreUnavailableError(
    `feature store connection lost during ${what}: ${errorCode(error)}`,
    { cause: error },
  );
}

/** Where the feature store is, without secrets: safe to print. */
export interface FeatureStoreAddress {
  host: string;
  port: number;
  user: string;
  database: string;
}

/** mysql2 pool options from `mysql://user:password@host:port/database?ssl=true`. */
export function poolOptionsFromUrl(url: string): PoolOptions & FeatureStoreAddress {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  const ssl = parsed.searchParams.get("ssl");
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username) || "root",
    password: decodeURIComponent(parsed.password),
    database,
    ...(ssl === "true" || ssl === "required" ? { ssl: {} } : {}),
    charset: "utf8mb4",
    connectTimeout: 5000,
    connectionLimit: 4,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  };
}

/** Creates the database the URL names if it does not exist (for `ct seed --create_database`). */
export async function ensureDatabase(url: string): Promise<void> {
  const { database, ...options } = poolOptionsFromUrl(url);
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection(options);
  } catch (error) {
    throw new FeatureStoreUnavailableError(
      `feature store ${options.user}@${options.host}:${options.port} is unreachable: ${errorCode(error) ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${connection.escapeId(database)} DEFAULT CHARSET utf8mb4`,
    );
  } finally {
    await connection.end();
  }
}

export interface FeatureStore {
  readonly pool: Pool;
  readonly address: FeatureStoreAddress;
  close(): Promise<void>;
}

export interface OpenFeatureStoreOptions {
  /** Seconds to keep retrying an unreachable server (0 = one attempt). */
  retrySeconds?: number;
  logger?: Logger;
  /** Test hook: shortens the backoff. */
  initialRetryDelayMs?: number;
  /** SIGINT/SIGTERM: stops retrying at once with InterruptedError (exit 130). */
  signal?: AbortSignal;
}

function describe(address: FeatureStoreAddress): string {
  return `${address.user}@${address.host}:${address.port}/${address.database}`;
}

/**
 * Opens a pool to the feature store and checks it answers, retrying transient failures with
 * bounded backoff. Fails with FeatureStoreUnavailableError (exit 4); messages never include the
 * password.
 */
export async function openFeatureStore(
  url: string,
  options: OpenFeatureStoreOptions = {},
): Promise<FeatureStore> {
  const { retrySeconds = 30, logger = silentLogger, initialRetryDelayMs = 250, signal } = options;
  const poolOptions = poolOptionsFromUrl(url);
  const address: FeatureStoreAddress = {
    host: poolOptions.host,
    port: poolOptions.port,
    user: poolOptions.user,
    database: poolOptions.database,
  };
  const pool = mysql.createPool(poolOptions);
  // An idle pool connection that the server drops emits 'error' on the connection; keep it from
  // crashing the process — the next query gets a fresh connection or a clear error.
  pool.on("connection", (connection) => {
    connection.on("error", () => undefined);
  });
  try {
    await withRetry(
      async () => {
        const connection = await pool.getConnection();
        try {
          await connection.ping();
        } finally {
          connection.release();
        }
      },
      {
        deadlineMs: retrySeconds * 1000,
        initialDelayMs: initialRetryDelayMs,
        isRetryable: isTransientConnectionError,
        ...(signal ? { signal } : {}),
        onRetry: (error, attempt, delayMs) =>
          logger.warn(
            `feature store ${describe(address)} not reachable (${errorCode(error)}), attempt ${attempt}; retrying in ${delayMs} ms`,
          ),
      },
    );
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof InterruptedError) throw error;
    const code = errorCode(error) ?? "unknown error";
    const reason = REFUSAL_CODES.has(code) ? (error as Error).message : code;
    const waited = isTransientConnectionError(error) ? ` after retrying for ${retrySeconds}s` : "";
    throw new FeatureStoreUnavailableError(
      `feature store ${describe(address)} is unreachable${waited}: ${reason}`,
      {
        cause: error,
      },
    );
  }
  return {
    pool,
    address,
    close: () => pool.end(),
  };
}
