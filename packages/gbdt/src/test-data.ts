/** Deterministic synthetic data for the tests (not exported from the package). */
import { histogramModule, type WasmMemoryArrays } from "./histogram-wasm.ts";
import { mulberry32 } from "./random.ts";
import type { SearchFeature } from "./split-kernel.ts";

export const rng = (seed: number): (() => number) => mulberry32(seed);

export const share = (predicted: readonly string[], labels: readonly string[]): number =>
  predicted.filter((value, row) => value === labels[row]).length / labels.length;

const CLASSES = ["Good", "Poor", "Standard"] as const;

/**
 * Rows with a weak numeric signal `x`, a noise column `z`, a random ID-like categorical column
 * `id` (unique-ish values), a categorical `city` whose value mostly decides the class (30
 * cities), a two-valued `flag`, and a text `note` whose words mostly decide the class.
 */
export function creditLike(rows: number, seed: number) {
  const next = rng(seed);
  const x = new Float64Array(rows);
  const z = new Float64Array(rows);
  const id: string[] = [];
  const city: string[] = [];
  const flag: string[] = [];
  const note: string[] = [];
  const labels: string[] = [];
  const words = ["loan", "card", "auto", "home", "payday", "student", "mortgage", "personal"];
  for (let row = 0; row < rows; row++) {
    const cityIndex = Math.floor(next() * 30);
    const cityClass = cityIndex % 3;
    const textClass = Math.floor(next() * 3);
    const xValue = next();
    // The class follows the city 45 % of the time, the text 35 %, x otherwise.
    const u = next();
    const label = u < 0.45 ? cityClass : u < 0.8 ? textClass : xValue < 0.33 ? 0 : xValue < 0.66 ? 1 : 2;
    x[row] = xValue;
    z[row] = next();
    id.push(`ID-${Math.floor(next() * rows * 0.6)}`);
    city.push(`city${cityIndex}`);
    flag.push(next() < 0.5 ? "Y" : "N");
    const marker = ["ontime", "late", "average"][textClass] as string;
    const parts = [words[Math.floor(next() * words.length)] as string, marker];
    if (next() < 0.5) parts.push(words[Math.floor(next() * words.length)] as string);
    note.push(parts.sort(() => next() - 0.5).join(" "));
    labels.push(CLASSES[label] as string);
  }
  return { x, z, id, city, flag, note, labels };
}

/** The hot loops' module (histogram-wasm.ts) instantiated on `arrays`' memory: its exports. */
export function histogramExports(arrays: WasmMemoryArrays): WebAssembly.Exports {
  return new WebAssembly.Instance(histogramModule() as WebAssembly.Module, { env: { memory: arrays.memory } })
    .exports;
}

/** Where two arrays' doubles differ (0 and −0 differ, NaN equals NaN). */
export const doubleDifferences = (a: Float64Array, b: Float64Array): number[] =>
  [...a.keys()].filter((at) => !Object.is(a[at], b[at]));

/** A dense split-search feature: `fields` over those of one with no bins, alone (in no group). */
export const denseFeature = (fields: Partial<SearchFeature> = {}): SearchFeature => ({
  kind: 0,
  bins: [],
  binCount: 2,
  binsOnWasm: false,
  binGroups: [],
  sparseOrdinal: -1,
  sparseAbsent: false,
  sparseRows: new Uint32Array(0),
  evalValues: new Uint8Array(0),
  jointSize: 0,
  jointBins: [],
  jointCombos: new Uint8Array(0),
  ...fields,
});
