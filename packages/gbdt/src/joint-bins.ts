import type { WasmMemoryArrays } from "./histogram-wasm.ts";
import type { Bins } from "./histograms.ts";
import { MAX_JOINT_SIZE } from "./joint-wasm.ts";
import type { SearchFeature } from "./split-kernel.ts";

/** Combinations a joint histogram may have: its bins are Uint8. */
const MAX_COMBOS = 256;

/**
 * Learn rows from which features are grouped. Below, a level's CTR histograms stay in cache, a
 * pass per feature costs about what reading a joint histogram back does, and the fewer, coarser
 * search batches let the threads finish less together: at 10 k rows fits took 4 % longer with
 * groups than without (medians of 21 alternating runs; Kaggle's 8,750 learn rows 5 %, 15 runs),
 * at 30 k rows 3–6 % less.
 */
export const MIN_GROUP_ROWS = 20_000;

/** Rows per fold that choose a group's features (every step-th row: `groupFeatures`). */
const SAMPLE_ROWS = 4096;

/** The largest key space a group may have (`keySpace`): its numbering's table. */
const MAX_KEYS = 1 << 16;

/** The fit's WebAssembly that groups features: its memory's arrays, the module's `combine`. */
export interface JointSetup {
  arrays: WasmMemoryArrays;
  combine: (...args: number[]) => number;
}

/** Whether a feature can be in a group: dense, with its bins Uint8 on the wasm memory. */
const groupable = (feature: SearchFeature): boolean =>
  feature.kind === 0 && feature.binCount >= 2 && feature.binsOnWasm;

/**
 * Groups features of `rows` learn rows whose histograms a level sums jointly where it `usesJoint`
 * (split-kernel.ts):
 * up to {@link MAX_JOINT_SIZE} consecutive dense features of one unit (`units[index]`: a
 * categorical column's CTRs) whose learn rows have at most 256 combinations of their bins, in
 * every fold. A column's CTRs move together — each of its values has similar CTRs — so a
 * group's rows fall into few combinations: one pass then adds each row to one cell of a joint
 * histogram about as small as one feature's, instead of one cell per feature (docs/gbdt.md).
 * A group's features are chosen on a sample of the rows, then numbered on all of them, with
 * fewer features where the sample missed combinations. Sets the first feature's `jointSize`,
 * `jointBins` and `jointCombos` (on the wasm memory); none without WebAssembly (the JavaScript
 * loops sum each feature on its own), nor below {@link MIN_GROUP_ROWS} learn rows.
 */
export function groupFeatures(
  features: readonly SearchFeature[],
  units: readonly number[],
  rows: number,
  setup: JointSetup | undefined,
): void {
  if (!setup || rows < MIN_GROUP_ROWS) return;
  // The numbering's table (i32 per key) and the combinations' member bins, on the wasm memory.
  const keys = setup.arrays.uint32(MAX_KEYS);
  const table = new Int32Array(keys.buffer, keys.byteOffset, MAX_KEYS);
  const combos = setup.arrays.uint8(MAX_COMBOS * MAX_JOINT_SIZE);
  const joined = (first: number, size: number, step: number) =>
    combine(setup, features.slice(first, first + size), rows, table, combos, step);
  const sampleStep = Math.ceil(rows / SAMPLE_ROWS);
  for (let first = 0; first < features.length; first++) {
    if (!groupable(features[first] as SearchFeature)) continue;
    let size = 1;
    while (
      size < MAX_JOINT_SIZE &&
      first + size < features.length &&
      units[first + size] === units[first] &&
      groupable(features[first + size] as SearchFeature) &&
      keySpace(features.slice(first, first + size + 1)) <= MAX_KEYS &&
      joined(first, size + 1, sampleStep)
    )
      size++;
    for (; size >= 2; size--) {
      const group = joined(first, size, 1);
      if (!group) continue;
      const start = features[first] as SearchFeature;
      start.jointSize = size;
      start.jointBins = group.ids;
      start.jointCombos = setup.arrays.uint8(group.count * size);
      start.jointCombos.set(combos.subarray(0, group.count * size));
      first += size - 1;
      break;
    }
  }
}

/** The combinations of its members' bins a group could have. */
const keySpace = (members: readonly SearchFeature[]): number =>
  members.reduce((product, member) => product * member.binCount, 1);

/**
 * `members`' combinations of bins on every `step`-th of the `rows` rows, per fold (as many as the member with
 * most), numbered as the rows first show them (fold by fold, row by row) with the module's
 * `combine` — each number's member bins in `combos` — and, for `step` 1, each row's number (u8 on
 * the wasm memory); undefined past {@link MAX_COMBOS} combinations.
 */
function combine(
  setup: JointSetup,
  members: readonly SearchFeature[],
  rows: number,
  table: Int32Array,
  combos: Uint8Array,
  step: number,
): { ids: Uint8Array[]; count: number } | undefined {
  table.fill(-1, 0, keySpace(members));
  const folds = Math.max(...members.map((member) => member.bins.length));
  const counts = [1, 2, 3].map((m) => members[m]?.binCount ?? 1);
  const ids: Uint8Array[] = [];
  let count = 0;
  for (let fold = 0; fold < folds; fold++) {
    const bins = [0, 1, 2, 3].map((m) => {
      const member = members[m];
      return member ? (member.bins[fold] ?? (member.bins[0] as Bins)).byteOffset : 0;
    });
    const out = step === 1 ? setup.arrays.uint8(rows) : undefined;
    count = setup.combine(
      members.length,
      rows,
      step,
      ...bins,
      ...counts,
      table.byteOffset,
      out ? out.byteOffset : 0,
      combos.byteOffset,
      count,
      MAX_COMBOS,
    );
    if (count < 0) return undefined;
    if (out) ids.push(out);
  }
  return { ids, count };
}

/**
 * Bytes the joint bins of a fit's groups can take on the wasm memory (before `groupFeatures`
 * decides them): a feature's folds of rows for every feature that can be in a group, the tables;
 * none below {@link MIN_GROUP_ROWS}.
 */
export function jointBytesBound(features: readonly SearchFeature[], rows: number): number {
  const dense = features.filter((feature) => feature.kind === 0 && feature.binCount >= 2);
  if (dense.length < 2 || rows < MIN_GROUP_ROWS) return 0;
  return (
    dense.reduce((sum, feature) => sum + feature.bins.length * rows, 0) +
    4 * MAX_KEYS +
    MAX_COMBOS * MAX_JOINT_SIZE
  );
}
