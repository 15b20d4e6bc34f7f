/** A value the YAML writer can emit. `undefined` members of a mapping are skipped. */
export type YamlValue =
  | string
  | number
  | boolean
  | null
  | readonly YamlValue[]
  | { readonly [key: string]: YamlValue | undefined };

/** A YAML mapping, e.g. a whole `meta.yaml`. */
export type YamlMapping = { readonly [key: string]: YamlValue | undefined };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
// Plain scalars that PyYAML (YAML 1.1) would resolve to something other than a string.
const RESERVED_WORDS = /^(y|n|yes|no|true|false|on|off|null)$/i;

/**
 * A YAML double-quoted scalar. Every string is quoted, so PyYAML never reads `yes`, `0123`, `12:30`
 * or `2025-01-01` as a bool/int/date; non-ASCII and control characters are escaped, so the file is
 * plain ASCII whatever the reader's encoding.
 */
export function quoteYamlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\t") out += "\\t";
    else if (char === "\r") out += "\\r";
    else if (code >= 0x20 && code <= 0x7e) out += char;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** A YAML number that PyYAML reads back as the same int or float (1.1 floats need a `.`). */
function yamlNumber(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  if (value === Number.POSITIVE_INFINITY) return ".inf";
  if (value === Number.NEGATIVE_INFINITY) return "-.inf";
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  const text = String(value);
  const [mantissa = text, exponent] = text.split("e");
  const withDot = mantissa.includes(".") ? mantissa : `${mantissa}.0`;
  return exponent === undefined ? withDot : `${withDot}e${exponent}`;
}

function yamlKey(key: string): string {
  return PLAIN_KEY.test(key) && !RESERVED_WORDS.test(key) ? key : quoteYamlString(key);
}

function scalar(value: YamlValue): string | undefined {
  if (value === null) return "null";
  if (typeof value === "string") return quoteYamlString(value);
  if (typeof value === "number") return yamlNumber(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value) && value.length === 0) return "[]";
  if (!Array.isArray(value) && Object.values(value).every((v) => v === undefined)) return "{}";
  return undefined;
}

function isMapping(value: YamlValue): value is YamlMapping {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function emitMapping(mapping: YamlMapping, indent: string, sortKeys: boolean, lines: string[]): void {
  const keys = Object.keys(mapping).filter((key) => mapping[key] !== undefined);
  if (sortKeys) keys.sort();
  for (const key of keys) {
    const value = mapping[key] as YamlValue;
    const simple = scalar(value);
    if (simple !== undefined) lines.push(`${indent}${yamlKey(key)}: ${simple}`);
    else {
      lines.push(`${indent}${yamlKey(key)}:`);
      emitNested(value, `${indent}  `, sortKeys, lines);
    }
  }
}

function emitSequence(items: readonly YamlValue[], indent: string, sortKeys: boolean, lines: string[]): void {
  for (const item of items) {
    const simple = scalar(item);
    if (simple !== undefined) {
      lines.push(`${indent}- ${simple}`);
      continue;
    }
    // Emit the nested block one level deeper, then hang its first line on the dash.
    const nested: string[] = [];
    emitNested(item, `${indent}  `, sortKeys, nested);
    const [first = "", ...rest] = nested;
    lines.push(`${indent}- ${first.slice(indent.length + 2)}`, ...rest);
  }
}

function emitNested(value: YamlValue, indent: string, sortKeys: boolean, lines: string[]): void {
  if (Array.isArray(value)) emitSequence(value, indent, sortKeys, lines);
  else if (isMapping(value)) emitMapping(value, indent, sortKeys, lines);
}

/**
 * Serializes a mapping as block YAML the way MLflow's PyYAML dump lays it out (keys sorted unless
 * `sortKeys` is false), with every string double-quoted. Ends with a newline.
 */
export function toYaml(mapping: YamlMapping, options: { sortKeys?: boolean } = {}): string {
  const lines: string[] = [];
  emitMapping(mapping, "", options.sortKeys ?? true, lines);
  return `${lines.join("\n")}\n`;
}

/**
 * JSON text formatted like Python's `json.dumps` defaults (`", "` and `": "` separators, non-ASCII
 * escaped), as MLflow writes signatures and the `mlflow.log-model.history` tag.
 */
export function pythonJson(value: YamlValue): string {
  if (value === null) return "null";
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  const mapping = value as YamlMapping;
  const entries = Object.keys(mapping)
    .filter((key) => mapping[key] !== undefined)
    .map((key) => `${pythonJson(key)}: ${pythonJson(mapping[key] as YamlValue)}`);
  return `{${entries.join(", ")}}`;
}
