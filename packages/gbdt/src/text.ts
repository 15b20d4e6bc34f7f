/**
 * Text features as CatBoost computes them: tokenizers (split by a delimiter), dictionaries of
 * words or n-grams built on the learn set, and the BoW and NaiveBayes feature calcers. The
 * option parsing follows CatBoost's `text_processing` JSON.
 */

/** A tokenizer as stored in the model. */
export interface TokenizerJson {
  id: string;
  delimiter: string;
  lowercasing: boolean;
  skipEmpty: boolean;
  splitBySet: boolean;
}

export interface DictionarySpec {
  id: string;
  gramOrder: number;
  maxDictionarySize: number;
  /** Undefined: CatBoost's default, 1 with fewer than 1000 learn rows, else 5. */
  occurrenceLowerBound: number | undefined;
}

export type CalcerSpec = { type: "BoW"; topTokensCount: number } | { type: "NaiveBayes" };

export interface ProcessingSpec {
  tokenizers: string[] | undefined;
  dictionaries: string[] | undefined;
  calcers: CalcerSpec[] | undefined;
}

/** `text_processing` after validation; undefined sections take CatBoost's defaults. */
export interface TextProcessingSpec {
  tokenizers: TokenizerJson[] | undefined;
  dictionaries: DictionarySpec[] | undefined;
  featureProcessing: Record<string, ProcessingSpec[]> | undefined;
  /** Things CatBoost silently ignores that the caller probably did not mean (e.g. a misspelled key). */
  warnings: string[];
}

/** Joins the tokens of an n-gram (a character no delimiter-split token can be confused with). */
export const GRAM_SEPARATOR = "\u001f";
const DEFAULT_TOP_TOKENS = 2000;
const DEFAULT_MAX_DICTIONARY_SIZE = 50_000;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** CatBoost reads option values as strings; numbers and booleans are accepted too. */
function asBoolean(value: unknown, where: string): boolean {
  if (value === true || value === "true" || value === "True" || value === "1" || value === 1) return true;
  if (value === false || value === "false" || value === "False" || value === "0" || value === 0) return false;
  throw new Error(`${where} must be true or false, got ${JSON.stringify(value)}`);
}

function asInteger(value: unknown, min: number, max: number, where: string): number {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < min || number > max)
    throw new Error(`${where} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return number;
}

function asName(value: unknown, where: string): string {
  if (typeof value !== "string" || value === "")
    throw new Error(`${where} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function asNames(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${where} must be a list of names`);
  return value.map((item, index) => asName(item, `${where}[${index}]`));
}

function checkKeys(object: Json, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(object))
    if (!allowed.includes(key))
      throw new Error(`${where} has an unknown key ${JSON.stringify(key)} (known: ${allowed.join(", ")})`);
}

function parseTokenizer(value: unknown, where: string): TokenizerJson {
  if (!isObject(value)) throw new Error(`${where} must be an object`);
  checkKeys(
    value,
    [
      "tokenizer_id",
      "delimiter",
      "lowercasing",
      "skip_empty",
      "split_by_set",
      "separator_type",
      "lemmatizing",
      "number_process_policy",
      "token_types",
      "subtokens_policy",
      "languages",
    ],
    where,
  );
  const id = asName(value.tokenizer_id, `${where}.tokenizer_id`);
  const at = `${where} (${JSON.stringify(id)})`;
  if (value.separator_type !== undefined && value.separator_type !== "ByDelimiter")
    throw new Error(
      `${at}: separator_type ${JSON.stringify(value.separator_type)} is not supported (ByDelimiter)`,
    );
  if (value.lemmatizing !== undefined && asBoolean(value.lemmatizing, `${at}.lemmatizing`))
    throw new Error(`${at}: lemmatizing is not supported`);
  if (value.number_process_policy !== undefined && value.number_process_policy !== "LeaveAsIs")
    throw new Error(
      `${at}: number_process_policy ${JSON.stringify(value.number_process_policy)} is not supported (LeaveAsIs)`,
    );
  const delimiter = value.delimiter === undefined ? " " : value.delimiter;
  if (typeof delimiter !== "string" || delimiter === "")
    throw new Error(`${at}.delimiter must be a non-empty string`);
  return {
    id,
    delimiter,
    lowercasing: value.lowercasing === undefined ? false : asBoolean(value.lowercasing, `${at}.lowercasing`),
    skipEmpty: value.skip_empty === undefined ? true : asBoolean(value.skip_empty, `${at}.skip_empty`),
    splitBySet:
      value.split_by_set === undefined ? false : asBoolean(value.split_by_set, `${at}.split_by_set`),
  };
}

function parseDictionary(value: unknown, where: string, warnings: string[]): DictionarySpec {
  if (!isObject(value)) throw new Error(`${where} must be an object`);
  checkKeys(
    value,
    [
      "dictionary_id",
      "gram_order",
      "max_dictionary_size",
      "occurrence_lower_bound",
      "occurence_lower_bound",
      "token_level_type",
      "skip_step",
      "start_token_id",
      "end_of_word_token_policy",
      "end_of_sentence_token_policy",
      "dictionary_type",
    ],
    where,
  );
  const id = asName(value.dictionary_id, `${where}.dictionary_id`);
  const at = `${where} (${JSON.stringify(id)})`;
  if (value.token_level_type !== undefined && value.token_level_type !== "Word")
    throw new Error(
      `${at}: token_level_type ${JSON.stringify(value.token_level_type)} is not supported (Word)`,
    );
  if (value.skip_step !== undefined && asInteger(value.skip_step, 0, 1e6, `${at}.skip_step`) !== 0)
    throw new Error(`${at}: skip_step other than 0 is not supported`);
  if (value.end_of_sentence_token_policy !== undefined && value.end_of_sentence_token_policy !== "Skip")
    throw new Error(`${at}: end_of_sentence_token_policy other than Skip is not supported`);
  if (value.dictionary_type !== undefined && value.dictionary_type !== "FrequencyBased")
    throw new Error(`${at}: dictionary_type other than FrequencyBased is not supported`);
  if (value.occurence_lower_bound !== undefined)
    warnings.push(
      `text_processing ${at}: "occurence_lower_bound" is not a CatBoost key (CatBoost spells it ` +
        `"occurrence_lower_bound") and is ignored, as CatBoost ignores it; the default bound applies`,
    );
  return {
    id,
    gramOrder: value.gram_order === undefined ? 1 : asInteger(value.gram_order, 1, 8, `${at}.gram_order`),
    maxDictionarySize:
      value.max_dictionary_size === undefined
        ? DEFAULT_MAX_DICTIONARY_SIZE
        : asInteger(value.max_dictionary_size, 1, 1e9, `${at}.max_dictionary_size`),
    occurrenceLowerBound:
      value.occurrence_lower_bound === undefined
        ? undefined
        : asInteger(value.occurrence_lower_bound, 0, 1e12, `${at}.occurrence_lower_bound`),
  };
}

function parseCalcer(value: unknown, where: string): CalcerSpec {
  const text = asName(value, where);
  const [name = "", ...options] = text.split(":");
  if (name === "NaiveBayes") {
    if (options.some((option) => option !== ""))
      throw new Error(`${where}: NaiveBayes takes no options, got ${JSON.stringify(text)}`);
    return { type: "NaiveBayes" };
  }
  if (name === "BoW") {
    let topTokensCount = DEFAULT_TOP_TOKENS;
    for (const option of options) {
      if (option === "") continue;
      const [key, raw] = option.split("=");
      if (key !== "top_tokens_count" || raw === undefined)
        throw new Error(`${where}: unknown BoW option ${JSON.stringify(option)} (top_tokens_count=N)`);
      topTokensCount = asInteger(raw, 1, 1e9, `${where} top_tokens_count`);
    }
    return { type: "BoW", topTokensCount };
  }
  if (["BM25", "LDA", "KNN", "NaiveBayesian"].includes(name))
    throw new Error(`${where}: feature calcer ${name} is not supported by ct's engine (BoW, NaiveBayes)`);
  throw new Error(`${where}: unknown feature calcer ${JSON.stringify(name)} (BoW, NaiveBayes)`);
}

function parseProcessing(value: unknown, where: string): ProcessingSpec {
  if (!isObject(value)) throw new Error(`${where} must be an object`);
  checkKeys(value, ["feature_calcers", "tokenizers_names", "dictionaries_names"], where);
  const calcers = value.feature_calcers;
  if (calcers !== undefined && !Array.isArray(calcers))
    throw new Error(`${where}.feature_calcers must be a list such as ["BoW", "NaiveBayes"]`);
  return {
    tokenizers:
      value.tokenizers_names === undefined
        ? undefined
        : asNames(value.tokenizers_names, `${where}.tokenizers_names`),
    dictionaries:
      value.dictionaries_names === undefined
        ? undefined
        : asNames(value.dictionaries_names, `${where}.dictionaries_names`),
    calcers: calcers?.map((calcer, index) => parseCalcer(calcer, `${where}.feature_calcers[${index}]`)),
  };
}

function unique<T extends { id: string }>(items: T[], what: string): T[] {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) throw new Error(`${what} ${JSON.stringify(item.id)} is defined twice`);
    seen.add(item.id);
  }
  return items;
}

/**
 * Validates CatBoost's `text_processing` (an object or its JSON text):
 * `{ tokenizers: [{tokenizer_id, delimiter?, lowercasing?, …}], dictionaries: [{dictionary_id,
 * gram_order?, max_dictionary_size?, occurrence_lower_bound?, token_level_type?}],
 * feature_processing: { default | <text column>: [{dictionaries_names?, feature_calcers?,
 * tokenizers_names?}] } }`. Throws an Error saying what is wrong; names a tokenizer or dictionary
 * that is used but not defined.
 */
export function parseTextProcessing(input: unknown): TextProcessingSpec {
  let value = input;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      throw new Error("not valid JSON");
    }
  }
  if (!isObject(value))
    throw new Error("expected an object with tokenizers, dictionaries, feature_processing");
  checkKeys(value, ["tokenizers", "dictionaries", "feature_processing"], "text_processing");
  const warnings: string[] = [];
  const list = (key: string): unknown[] | undefined => {
    const item = value[key];
    if (item === undefined) return undefined;
    if (!Array.isArray(item)) throw new Error(`${key} must be a list`);
    return item;
  };
  const tokenizers = list("tokenizers")?.map((item, index) => parseTokenizer(item, `tokenizers[${index}]`));
  const dictionaries = list("dictionaries")?.map((item, index) =>
    parseDictionary(item, `dictionaries[${index}]`, warnings),
  );
  if (tokenizers) unique(tokenizers, "tokenizer");
  if (dictionaries) unique(dictionaries, "dictionary");
  let featureProcessing: Record<string, ProcessingSpec[]> | undefined;
  if (value.feature_processing !== undefined) {
    if (!isObject(value.feature_processing))
      throw new Error('feature_processing must be an object such as {"default": [...]}');
    featureProcessing = {};
    for (const [key, entries] of Object.entries(value.feature_processing)) {
      if (!Array.isArray(entries)) throw new Error(`feature_processing.${key} must be a list`);
      featureProcessing[key] = entries.map((entry, index) =>
        parseProcessing(entry, `feature_processing.${key}[${index}]`),
      );
    }
  }
  const spec: TextProcessingSpec = { tokenizers, dictionaries, featureProcessing, warnings };
  if (featureProcessing) checkNames(spec, featureProcessing);
  return spec;
}

const defaultTokenizers = (): TokenizerJson[] => [
  { id: "Space", delimiter: " ", lowercasing: false, skipEmpty: true, splitBySet: false },
];
const defaultDictionaries = (): DictionarySpec[] => [
  {
    id: "BiGram",
    gramOrder: 2,
    maxDictionarySize: DEFAULT_MAX_DICTIONARY_SIZE,
    occurrenceLowerBound: undefined,
  },
  {
    id: "Word",
    gramOrder: 1,
    maxDictionarySize: DEFAULT_MAX_DICTIONARY_SIZE,
    occurrenceLowerBound: undefined,
  },
];
function defaultProcessing(classification: boolean): Record<string, ProcessingSpec[]> {
  const entries: ProcessingSpec[] = [
    {
      tokenizers: ["Space"],
      dictionaries: ["BiGram", "Word"],
      calcers: [{ type: "BoW", topTokensCount: DEFAULT_TOP_TOKENS }],
    },
  ];
  if (classification)
    entries.push({ tokenizers: ["Space"], dictionaries: ["Word"], calcers: [{ type: "NaiveBayes" }] });
  return { default: entries };
}

/** CatBoost's effective sections: a missing section takes its default, an empty list a minimal one. */
function effective(spec: TextProcessingSpec | undefined, classification: boolean) {
  const tokenizers = spec?.tokenizers ?? defaultTokenizers();
  const dictionaries = spec?.dictionaries ?? defaultDictionaries();
  return {
    tokenizers: tokenizers.length > 0 ? tokenizers : defaultTokenizers(),
    dictionaries:
      dictionaries.length > 0 ? dictionaries : [{ ...(defaultDictionaries()[1] as DictionarySpec) }],
    featureProcessing:
      spec?.featureProcessing && Object.keys(spec.featureProcessing).length > 0
        ? spec.featureProcessing
        : spec?.featureProcessing
          ? { default: [{ tokenizers: undefined, dictionaries: undefined, calcers: undefined }] }
          : defaultProcessing(classification),
  };
}

function checkNames(spec: TextProcessingSpec, featureProcessing: Record<string, ProcessingSpec[]>): void {
  const { tokenizers, dictionaries } = effective(spec, true);
  const tokenizerIds = tokenizers.map((item) => item.id);
  const dictionaryIds = dictionaries.map((item) => item.id);
  for (const [key, entries] of Object.entries(featureProcessing))
    entries.forEach((entry, index) => {
      const where = `feature_processing.${key}[${index}]`;
      for (const name of entry.tokenizers ?? [])
        if (!tokenizerIds.includes(name))
          throw new Error(
            `${where} names tokenizer ${JSON.stringify(name)}, which tokenizers does not define (${tokenizerIds.join(", ")})`,
          );
      for (const name of entry.dictionaries ?? [])
        if (!dictionaryIds.includes(name))
          throw new Error(
            `${where} names dictionary ${JSON.stringify(name)}, which dictionaries does not define (${dictionaryIds.join(", ")})`,
          );
    });
}

/** One (text column, tokenizer, dictionary) combination and the calcers applied to it. */
export interface TokenizedSpec {
  column: number;
  tokenizer: TokenizerJson;
  dictionary: { id: string; gramOrder: number; maxDictionarySize: number; occurrenceLowerBound: number };
  /** BoW features for the this many most frequent tokens (0: no BoW). */
  bow: number;
  naiveBayes: boolean;
}

/**
 * The tokenized features for `columns` (text column names) under `spec`, with CatBoost's
 * defaults: a missing `feature_processing` means BoW over Space × {BiGram, Word} plus (for
 * classification) NaiveBayes over Space × {Word}; an entry without tokenizers/dictionaries/calcers
 * takes all tokenizers/all dictionaries/BoW. A dictionary without `occurrence_lower_bound` gets 1
 * with fewer than 1000 learn rows, else 5.
 */
export function resolveTextProcessing(
  spec: TextProcessingSpec | undefined,
  columns: readonly string[],
  classification: boolean,
  learnRows: number,
): TokenizedSpec[] {
  const { tokenizers, dictionaries, featureProcessing } = effective(spec, classification);
  try {
    checkNames({ tokenizers, dictionaries, featureProcessing, warnings: [] }, featureProcessing);
  } catch (error) {
    const why = spec?.featureProcessing
      ? ""
      : " (without feature_processing CatBoost's default applies, which uses tokenizer Space and dictionaries BiGram and Word)";
    throw new Error(`text_processing: ${(error as Error).message}${why}`);
  }
  for (const key of Object.keys(featureProcessing))
    if (key !== "default" && !columns.includes(key) && !/^\d+$/.test(key))
      throw new Error(
        `text_processing: feature_processing key ${JSON.stringify(key)} is neither "default" nor a text column (${columns.join(", ")})`,
      );
  const defaultBound = learnRows < 1000 ? 1 : 5;
  const result: TokenizedSpec[] = [];
  columns.forEach((column, columnIndex) => {
    const entries =
      featureProcessing[column] ?? featureProcessing[String(columnIndex)] ?? featureProcessing.default;
    if (!entries) return;
    for (const entry of entries) {
      for (const tokenizerId of entry.tokenizers ?? tokenizers.map((item) => item.id)) {
        for (const dictionaryId of entry.dictionaries ?? dictionaries.map((item) => item.id)) {
          const tokenizer = tokenizers.find((item) => item.id === tokenizerId) as TokenizerJson;
          const dictionary = dictionaries.find((item) => item.id === dictionaryId) as DictionarySpec;
          let target = result.find(
            (item) =>
              item.column === columnIndex &&
              item.tokenizer.id === tokenizerId &&
              item.dictionary.id === dictionaryId,
          );
          if (!target) {
            target = {
              column: columnIndex,
              tokenizer,
              dictionary: {
                id: dictionary.id,
                gramOrder: dictionary.gramOrder,
                maxDictionarySize: dictionary.maxDictionarySize,
                occurrenceLowerBound: dictionary.occurrenceLowerBound ?? defaultBound,
              },
              bow: 0,
              naiveBayes: false,
            };
            result.push(target);
          }
          for (const calcer of entry.calcers ?? [{ type: "BoW", topTokensCount: DEFAULT_TOP_TOKENS }]) {
            if (calcer.type === "BoW") target.bow = Math.max(target.bow, calcer.topTokensCount);
            else if (!classification)
              throw new Error(
                "text_processing: NaiveBayes works for classification only, loss_function is RMSE",
              );
            else target.naiveBayes = true;
          }
        }
      }
    }
  });
  return result;
}

/** Tokens of one text: split by the delimiter (or any of its characters), empty ones skipped, lowercased. */
export function tokenize(text: string, tokenizer: TokenizerJson): string[] {
  let parts: string[];
  if (tokenizer.splitBySet && tokenizer.delimiter.length > 1) {
    parts = [];
    let start = 0;
    for (let index = 0; index < text.length; index++)
      if (tokenizer.delimiter.includes(text[index] as string)) {
        parts.push(text.slice(start, index));
        start = index + 1;
      }
    parts.push(text.slice(start));
  } else {
    parts = text.split(tokenizer.delimiter);
  }
  if (tokenizer.skipEmpty) parts = parts.filter((part) => part !== "");
  return tokenizer.lowercasing ? parts.map((part) => part.toLowerCase()) : parts;
}

/** The n-grams of a token list (the tokens themselves for order 1), tokens joined by GRAM_SEPARATOR. */
export function grams(tokens: readonly string[], order: number): readonly string[] {
  if (order === 1) return tokens;
  const result: string[] = [];
  for (let start = 0; start + order <= tokens.length; start++)
    result.push(tokens.slice(start, start + order).join(GRAM_SEPARATOR));
  return result;
}

/**
 * A dictionary built on learn texts: every gram occurring at least `lowerBound` times in total,
 * most frequent first (ties in code-unit order), at most `maxSize`; ids are positions.
 */
export function buildDictionary(
  texts: readonly (readonly string[])[],
  lowerBound: number,
  maxSize: number,
): string[] {
  const counts = new Map<string, number>();
  for (const text of texts) for (const gram of text) counts.set(gram, (counts.get(gram) ?? 0) + 1);
  const kept = [...counts].filter(([, count]) => count >= lowerBound);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return kept.slice(0, maxSize).map(([gram]) => gram);
}

/** Texts as bags of dictionary ids, CSR: row r's distinct ids (ascending) and counts at offsets[r]..offsets[r+1]. */
export interface Bags {
  offsets: Uint32Array;
  ids: Uint32Array;
  counts: Uint32Array;
}

/** Bags of the given texts' grams under a dictionary index; grams not in the dictionary are dropped. */
export function toBags(texts: readonly (readonly string[])[], index: ReadonlyMap<string, number>): Bags {
  const offsets = new Uint32Array(texts.length + 1);
  const ids: number[] = [];
  const counts: number[] = [];
  const row: number[] = [];
  texts.forEach((text, r) => {
    row.length = 0;
    for (const gram of text) {
      const id = index.get(gram);
      if (id !== undefined) row.push(id);
    }
    row.sort((a, b) => a - b);
    for (let at = 0; at < row.length; at++) {
      if (at > 0 && row[at] === row[at - 1]) counts[counts.length - 1]!++;
      else {
        ids.push(row[at]!);
        counts.push(1);
      }
    }
    offsets[r + 1] = ids.length;
  });
  return { offsets, ids: Uint32Array.from(ids), counts: Uint32Array.from(counts) };
}

/** Number of NaiveBayes outputs: one per class with more than two classes, else one. */
export const naiveBayesDimensions = (classes: number): number => (classes > 2 ? classes : 1);

/** CatBoost's multinomial naive Bayes state (class prior 0.5, token prior 0.5). */
export interface NaiveBayesState {
  classes: number;
  classDocs: Float64Array;
  classTokens: Float64Array;
  /** Distinct tokens seen so far. */
  seenTokens: number;
  /** tokens × classes occurrence counts. */
  counts: Float64Array;
}

export function emptyNaiveBayes(classes: number, tokens: number): NaiveBayesState {
  return {
    classes,
    classDocs: new Float64Array(classes),
    classTokens: new Float64Array(classes),
    seenTokens: 0,
    counts: new Float64Array(tokens * classes),
  };
}

const PRIOR = 0.5;

/**
 * NaiveBayes features of one bag (ids/counts from `start` to `end`) into `out` (naiveBayesDimensions
 * values): softmax over classes of log(docs_c + 0.5) + Σ cnt·log(count_{c,t} + 0.5) − len·log(
 * tokens_c + 0.5·(seen + 1) + 0.5·#tokens unseen in class c); with two classes only P(class 0).
 */
export function naiveBayesFeatures(
  state: NaiveBayesState,
  ids: Uint32Array,
  counts: Uint32Array,
  start: number,
  end: number,
  scratch: Float64Array,
  out: Float64Array,
  outOffset: number,
): void {
  const classes = state.classes;
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < classes; c++) {
    let value = Math.log(state.classDocs[c]! + PRIOR);
    let denominator = state.classTokens[c]! + PRIOR * (state.seenTokens + 1);
    let length = 0;
    for (let at = start; at < end; at++) {
      const count = counts[at]!;
      length += count;
      const seen = state.counts[ids[at]! * classes + c]!;
      if (seen === 0) denominator += PRIOR;
      value += count * Math.log(PRIOR + seen);
    }
    value -= length * Math.log(denominator);
    scratch[c] = value;
    if (value > max) max = value;
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const e = Math.exp(scratch[c]! - max);
    scratch[c] = e;
    sum += e;
  }
  const dimensions = naiveBayesDimensions(classes);
  for (let d = 0; d < dimensions; d++) out[outOffset + d] = scratch[d]! / sum;
}

/** Adds one learn text of class `label` to the state (`seen` marks tokens seen so far). */
export function naiveBayesAdd(
  state: NaiveBayesState,
  seen: Uint8Array,
  label: number,
  ids: Uint32Array,
  counts: Uint32Array,
  start: number,
  end: number,
): void {
  const classes = state.classes;
  for (let at = start; at < end; at++) {
    const id = ids[at]!;
    if (seen[id] === 0) {
      seen[id] = 1;
      state.seenTokens++;
    }
    state.counts[id * classes + label] = state.counts[id * classes + label]! + counts[at]!;
    state.classTokens[label] = state.classTokens[label]! + counts[at]!;
  }
  state.classDocs[label] = state.classDocs[label]! + 1;
}
