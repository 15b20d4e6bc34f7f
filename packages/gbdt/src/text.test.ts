import { describe, expect, it } from "vitest";
import { creditLike, share } from "./test-data.ts";
import {
  buildDictionary,
  emptyNaiveBayes,
  GRAM_SEPARATOR,
  grams,
  naiveBayesAdd,
  naiveBayesFeatures,
  parseTextProcessing,
  resolveTextProcessing,
  type TokenizerJson,
  toBags,
  tokenize,
} from "./text.ts";
import { train } from "./train.ts";

const space: TokenizerJson = {
  id: "Space",
  delimiter: " ",
  lowercasing: false,
  skipEmpty: true,
  splitBySet: false,
};

describe("tokenizers and dictionaries", () => {
  it("splits by the delimiter, skips empty tokens and lowercases on request", () => {
    expect(tokenize("Auto  Loan, and Home", space)).toEqual(["Auto", "Loan,", "and", "Home"]);
    expect(
      tokenize("Auto Loan, and Home", { ...space, id: "Comma", delimiter: ",", lowercasing: true }),
    ).toEqual(["auto loan", " and home"]);
    expect(tokenize("a_b c", { ...space, delimiter: "_ ", splitBySet: true })).toEqual(["a", "b", "c"]);
  });

  it("builds word and bigram dictionaries by total count, most frequent first, above the lower bound", () => {
    const texts = [["b", "a", "b"], ["a", "b"], ["c"]];
    expect(buildDictionary(texts, 1, 100)).toEqual(["b", "a", "c"]);
    expect(buildDictionary(texts, 2, 100)).toEqual(["b", "a"]);
    expect(buildDictionary(texts, 1, 1)).toEqual(["b"]);
    const bigrams = texts.map((text) => grams(text, 2));
    expect(bigrams[0]).toEqual([`b${GRAM_SEPARATOR}a`, `a${GRAM_SEPARATOR}b`]);
    expect(buildDictionary(bigrams, 1, 100)).toEqual([`a${GRAM_SEPARATOR}b`, `b${GRAM_SEPARATOR}a`]);
  });

  it("computes CatBoost's naive Bayes features by hand on a tiny example", () => {
    const index = new Map([
      ["late", 0],
      ["ontime", 1],
    ]);
    const bags = toBags([["late"], ["late", "late", "unknown"]], index);
    expect(Array.from(bags.ids)).toEqual([0, 0]);
    expect(Array.from(bags.counts)).toEqual([1, 2]);
    const state = emptyNaiveBayes(3, 2);
    const out = new Float64Array(3);
    const scratch = new Float64Array(3);
    naiveBayesFeatures(state, bags.ids, bags.counts, 0, 1, scratch, out, 0);
    expect(Array.from(out)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    naiveBayesAdd(state, new Uint8Array(2), 0, bags.ids, bags.counts, 0, 1);
    naiveBayesFeatures(state, bags.ids, bags.counts, 1, 2, scratch, out, 0);
    // Class 0: log(1 + .5) + 2·log(1 + .5) − 2·log(1 + .5·(1 + 1));
    // classes 1, 2: log(.5) + 2·log(.5) − 2·log(0 + .5·2 + .5) (the token is unseen in them).
    const c0 = Math.log(1.5) + 2 * Math.log(1.5) - 2 * Math.log(2);
    const c1 = Math.log(0.5) + 2 * Math.log(0.5) - 2 * Math.log(1.5);
    const sum = Math.exp(c0) + 2 * Math.exp(c1);
    expect(out[0]).toBeCloseTo(Math.exp(c0) / sum, 12);
    expect(out[1]).toBeCloseTo(Math.exp(c1) / sum, 12);
  });
});

describe("text_processing", () => {
  const reference = {
    tokenizers: [
      { tokenizer_id: "Space", separator_type: "ByDelimiter", delimiter: " " },
      { tokenizer_id: "Comma", separator_type: "ByDelimiter", delimiter: "," },
    ],
    dictionaries: [
      { dictionary_id: "BiGram", occurence_lower_bound: "1" },
      { dictionary_id: "Word", occurence_lower_bound: "1" },
    ],
  };

  it("treats the reference's settings as CatBoost does: misspelled bound ignored, BiGram a unigram dictionary", () => {
    const spec = parseTextProcessing(reference);
    expect(spec.warnings[0]).toContain('"occurence_lower_bound" is not a CatBoost key');
    const features = resolveTextProcessing(spec, ["type_of_loan"], true, 5000);
    expect(
      features.map((item) => [
        item.tokenizer.id,
        item.dictionary.id,
        item.dictionary.gramOrder,
        item.dictionary.occurrenceLowerBound,
        item.bow,
        item.naiveBayes,
      ]),
    ).toEqual([
      ["Space", "BiGram", 1, 5, 2000, false],
      ["Space", "Word", 1, 5, 2000, true],
    ]);
    const small = resolveTextProcessing(spec, ["type_of_loan"], true, 999);
    expect(small[0]?.dictionary.occurrenceLowerBound).toBe(1);
  });

  it("honours occurrence_lower_bound, gram_order and explicit feature_processing", () => {
    const spec = parseTextProcessing(
      JSON.stringify({
        tokenizers: [{ tokenizer_id: "Comma", delimiter: ",", lowercasing: "true" }],
        dictionaries: [
          { dictionary_id: "Pairs", gram_order: "2", occurrence_lower_bound: 2, max_dictionary_size: 10 },
        ],
        feature_processing: {
          default: [
            {
              tokenizers_names: ["Comma"],
              dictionaries_names: ["Pairs"],
              feature_calcers: ["BoW:top_tokens_count=5"],
            },
          ],
        },
      }),
    );
    const [feature] = resolveTextProcessing(spec, ["note"], false, 10);
    expect(feature?.tokenizer).toEqual({
      id: "Comma",
      delimiter: ",",
      lowercasing: true,
      skipEmpty: true,
      splitBySet: false,
    });
    expect(feature?.dictionary).toEqual({
      id: "Pairs",
      gramOrder: 2,
      maxDictionarySize: 10,
      occurrenceLowerBound: 2,
    });
    expect(feature?.bow).toBe(5);
  });

  it.each([
    [
      { ...reference, feature_processing: { default: [{ dictionaries_names: ["Trigram"] }] } },
      'feature_processing.default[0] names dictionary "Trigram", which dictionaries does not define (BiGram, Word)',
    ],
    [{ feature_processing: { default: [{ feature_calcers: ["BM25"] }] } }, "BM25 is not supported"],
    [{ feature_processing: { default: [{ feature_calcers: ["Bag"] }] } }, 'unknown feature calcer "Bag"'],
    [{ dictionaries: [{ dictionary_id: "W", gram_ordr: 2 }] }, 'has an unknown key "gram_ordr"'],
    [
      { tokenizers: [{ tokenizer_id: "S", separator_type: "BySense" }] },
      'separator_type "BySense" is not supported',
    ],
    [{ dictionaries: [{ dictionary_id: "W" }, { dictionary_id: "W" }] }, 'dictionary "W" is defined twice'],
    ["{not json", "not valid JSON"],
  ])("rejects %j", (value, message) => {
    expect(() => parseTextProcessing(value)).toThrow(message);
  });
});

describe("text features", () => {
  const learn = creditLike(3000, 1);
  const test = creditLike(1500, 2);
  const params = {
    iterations: 100,
    depth: 4,
    learning_rate: 0.2,
    loss_function: "MultiClass",
    random_seed: 3,
  };

  it("add accuracy where the text carries the signal", () => {
    const run = (withText: boolean) => {
      const pick = (part: typeof learn) => ({
        features: { x: part.x, z: part.z },
        ...(withText ? { text: { note: part.note } } : {}),
        labels: part.labels,
      });
      const { model } = train(pick(learn), params, { eval: pick(test) });
      return { accuracy: share(model.predict(pick(test)), test.labels), model };
    };
    const without = run(false);
    const withText = run(true);
    expect(withText.accuracy).toBeGreaterThan(without.accuracy + 0.05);
    const types = new Set(withText.model.json.features.map((feature) => feature.type));
    expect(types.has("BoW") || types.has("NaiveBayes")).toBe(true);
  });

  it("ignores tokens unseen on learn at prediction", () => {
    const { model } = train({ features: {}, text: { note: learn.note }, labels: learn.labels }, params);
    const rows = ["", "zzz qqq", "late", "late zzz", "ontime"];
    const probabilities = model.predictProba({ features: {}, text: { note: rows } });
    const row = (index: number) => Array.from(probabilities.slice(index * 3, index * 3 + 3));
    expect(row(1)).toEqual(row(0));
    expect(row(3)).toEqual(row(2));
    expect(row(2)).not.toEqual(row(4));
    expect(model.predict({ features: {}, text: { note: ["late", "ontime"] } })).toEqual(["Poor", "Good"]);
  });

  it("rejects NaiveBayes for regression", () => {
    expect(() =>
      train(
        { features: {}, text: { note: ["a b", "b c", "c a"] }, labels: Float64Array.of(1, 2, 3) },
        {
          loss_function: "RMSE",
          text_processing: { feature_processing: { default: [{ feature_calcers: ["NaiveBayes"] }] } },
        },
      ),
    ).toThrow("NaiveBayes works for classification only");
  });
});
