import { randomBytes as cryptoRandomBytes } from "node:crypto";
import { ModelStoreValidationError } from "./errors.ts";

/** BentoML's `tag_max_length` (`bentoml/_internal/tag.py`), for names and versions alike. */
export const TAG_MAX_LENGTH = 63;

/** BentoML's `tag_regex`: what a model name or version must match (after its own lowercasing, which ct does not do). */
export const TAG_PATTERN = /^[a-z0-9]([-._a-z0-9]*[a-z0-9])?$/;

/** The rule, worded for error messages. */
export const TAG_RULE =
  "BentoML tags are 1-63 characters of lowercase letters, digits, '-', '_' or '.', " +
  "starting and ending with a letter or digit";

/** A version named `latest` would collide with the `<name>/latest` pointer file and the `name:latest` tag. */
const RESERVED_VERSIONS = new Set(["latest"]);

/** Why `value` is not a valid BentoML tag name/version, or `undefined` if it is one. */
export function tagProblem(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (value.length > TAG_MAX_LENGTH)
    return `it is ${value.length} characters long (at most ${TAG_MAX_LENGTH})`;
  if (value !== value.toLowerCase()) return "it contains upper-case letters";
  const bad = [...new Set(value.replace(/[-._a-z0-9]/g, ""))];
  if (bad.length > 0) return `it contains ${bad.map((c) => JSON.stringify(c)).join(", ")}`;
  if (!TAG_PATTERN.test(value)) return "it does not start and end with a letter or digit";
  return undefined;
}

function checkTagPart(kind: "model name" | "model version", value: string): string {
  if (typeof value !== "string") {
    throw new ModelStoreValidationError(`invalid ${kind} ${String(value)}: expected a string; ${TAG_RULE}`);
  }
  const problem = tagProblem(value);
  if (problem !== undefined) {
    throw new ModelStoreValidationError(`invalid ${kind} ${JSON.stringify(value)}: ${problem}; ${TAG_RULE}`);
  }
  return value;
}

/** Returns `name` if it is a valid BentoML model name; throws a ModelStoreValidationError naming the rule otherwise. */
export function validateModelName(name: string): string {
  return checkTagPart("model name", name);
}

/** Returns `version` if it is a valid BentoML version (and not the reserved `latest`); throws otherwise. */
export function validateVersion(version: string): string {
  checkTagPart("model version", version);
  if (RESERVED_VERSIONS.has(version)) {
    throw new ModelStoreValidationError(
      `invalid model version ${JSON.stringify(version)}: "latest" is reserved for the <name>/latest pointer`,
    );
  }
  return version;
}

/** A parsed tag; `version` is `undefined` for `name` and `name:latest`. */
export interface ParsedTag {
  readonly name: string;
  readonly version: string | undefined;
}

/** Parses `name`, `name:latest` or `name:version` (BentoML's `Tag.from_str`; the separator is the first `:`). */
export function parseTag(tag: string): ParsedTag {
  const colon = tag.indexOf(":");
  if (colon < 0) return { name: validateModelName(tag), version: undefined };
  const name = validateModelName(tag.slice(0, colon));
  const version = tag.slice(colon + 1);
  if (version === "") {
    throw new ModelStoreValidationError(
      `invalid model tag ${JSON.stringify(tag)}: trailing ':'; did you mean "${name}:latest"?`,
    );
  }
  if (version === "latest") return { name, version: undefined };
  return { name, version: validateVersion(version) };
}

/** `name:version`. */
export function formatTag(name: string, version: string): string {
  return `${name}:${version}`;
}

const BASE32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** RFC 4648 base32, lowercase, without padding. */
export function base32Lower(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Sources of time and randomness, injectable so tests get deterministic versions. */
export interface VersionSource {
  now?: () => Date;
  randomBytes?: (size: number) => Uint8Array;
}

/** Milliseconds between the UUID epoch (1582-10-15) and the Unix epoch. */
const UUID_EPOCH_OFFSET_MS = 12_219_292_800_000n;

/**
 * A new version the way BentoML's `Tag.make_new_version` makes one:
 * `base32(uuid1().bytes[:6] + uuid1().bytes[8:12]).lower()`, i.e. 16 characters of `[a-z2-7]`.
 * Bytes 0-5 are the uuid1 `time_low` + `time_mid` of `now` (100 ns ticks since 1582-10-15, the
 * sub-millisecond ticks random); bytes 6-9 are a random clock sequence (RFC 4122 variant bits)
 * and the first two bytes of a random node id (multicast bit set, as uuid1 does without a MAC).
 */
export function generateVersion(source: VersionSource = {}): string {
  const now = (source.now ?? (() => new Date()))();
  const random = (source.randomBytes ?? ((size: number) => new Uint8Array(cryptoRandomBytes(size))))(6);
  if (random.length < 6) throw new RangeError("randomBytes returned fewer than 6 bytes");
  const [r0 = 0, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0] = random;
  const subMillisecond = BigInt(((r0 << 8) | r1) % 10_000);
  const ticks = (BigInt(now.getTime()) + UUID_EPOCH_OFFSET_MS) * 10_000n + subMillisecond;
  const timeLow = Number(ticks & 0xffff_ffffn);
  const timeMid = Number((ticks >> 32n) & 0xffffn);
  const bytes = new Uint8Array(10);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, timeLow);
  view.setUint16(4, timeMid);
  bytes[6] = 0x80 | (r2 & 0x3f);
  bytes[7] = r3;
  bytes[8] = r4 | 0x01;
  bytes[9] = r5;
  return base32Lower(bytes);
}
