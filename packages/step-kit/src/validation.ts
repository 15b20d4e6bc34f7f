import { UsageError } from "./errors.ts";

const BASE_DT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
// BentoML's tag rule, so a name every step accepts is one the model store can save.
const MODEL_NAME_PATTERN = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
export const MODEL_NAME_MAX_LENGTH = 63;

/** Returns `value` if it is a real calendar date written `YYYY-MM-DD`; throws a UsageError otherwise. */
export function parseBaseDt(value: string): string {
  const match = BASE_DT_PATTERN.exec(value);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day) {
      return value;
    }
  }
  throw new UsageError(
    `invalid base_dt ${JSON.stringify(value)}: expected a real calendar date written YYYY-MM-DD`,
  );
}

/**
 * Returns `value` if it is a safe model name; throws a UsageError otherwise. A model name becomes
 * a directory and a model-store tag: lowercase letters, digits, '-', '_', '.', at most 63
 * characters, starting and ending with a letter or digit (so never '.', '..' or a hidden name).
 */
export function parseModelName(value: string): string {
  if (value.length > 0 && value.length <= MODEL_NAME_MAX_LENGTH && MODEL_NAME_PATTERN.test(value)) {
    return value;
  }
  throw new UsageError(
    `invalid model_name ${JSON.stringify(value)}: expected 1-${MODEL_NAME_MAX_LENGTH} characters of ` +
      "lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
  );
}

/** Today's calendar date (`YYYY-MM-DD`) in an IANA time zone, whatever the machine's TZ. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(now);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** `YYYY-MM-DD` plus `days` (may be negative). */
export function addDays(date: string, days: number): string {
  const base = new Date(`${parseBaseDt(date)}T00:00:00Z`);
  base.setUTCDate(base.getUTCDate() + days);
  return base.toISOString().slice(0, 10);
}
