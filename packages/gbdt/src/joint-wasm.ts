import { I32, op, V128, WasmFunction } from "./wasm-emit.ts";

/**
 * The joint histograms of groups of features (joint-bins.ts, split-kernel.ts's `usesJoint`) in
 * WebAssembly, functions of the histogram module (histogram-wasm.ts): numbering the rows'
 * combinations of a group's bins, and adding a joint histogram's cells to its features'.
 */

/** Features in a group that one joint histogram sums (`marginals`; the kernel's `jointSize`). */
export const MAX_JOINT_SIZE = 4;

/**
 * `marginals(jointAt, combosAt, comboCount, size, firstAt, slotBytes, blockBytes, sideAt,
 * sideBytes)`: adds a group's joint histogram — block `c` for the rows with combination `c` of
 * the group's bins, `combosAt` (u8) holding each combination's `size` (2 to
 * {@link MAX_JOINT_SIZE}) member bins — to the members' histograms (member `m`'s at `firstAt + m ×
 * slotBytes`, the combination's bin's block), then zeroes it: the bytes [sideAt, sideAt +
 * sideBytes) of every `blockBytes` block (one side of the leaves, or all of them). A member's
 * cell gets its joint cells in combination order.
 */
export function marginalsFunction(): WasmFunction {
  const f = new WasmFunction("marginals", 9);
  const [jointAt, combosAt, comboCount, size, firstAt, slotBytes, blockBytes, sideAt, sideBytes] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8,
  ];
  const [combo, joint, at] = Array.from({ length: 3 }, () => f.local(I32)) as number[];
  const members = Array.from({ length: MAX_JOINT_SIZE }, () => f.local(I32));
  const cells = f.local(V128);
  /** Adds `cells` to member `m`'s cells at `at`. */
  const addTo = (m: number) => {
    f.emit(op.get(members[m]!), op.get(at!), op.add, op.get(members[m]!), op.get(at!), op.add);
    f.emit(op.loadV128(0), op.get(cells), op.addF64x2, op.storeV128(0));
  };
  f.emit(op.get(jointAt), op.get(sideAt), op.add, op.set(joint!));
  f.forLoop(combo!, op.const32(0), op.get(comboCount), op.const32(1), () => {
    members.forEach((member, m) => {
      // member = firstAt + m × slotBytes + combos[combo × size + m] × blockBytes + sideAt
      if (m >= 2) f.emit(op.get(size), op.const32(m), op.gtU, op.if);
      f.emit(op.get(firstAt), op.const32(m), op.get(slotBytes), op.mul, op.add);
      f.emit(op.get(combosAt), op.get(combo!), op.get(size), op.mul, op.add, op.const32(m), op.add, op.load8);
      f.emit(op.get(blockBytes), op.mul, op.add, op.get(sideAt), op.add, op.set(member));
      if (m >= 2) f.emit(op.end);
    });
    f.forLoop(at!, op.const32(0), op.get(sideBytes), op.const32(16), () => {
      f.emit(op.get(joint!), op.get(at!), op.add, op.loadV128(0), op.set(cells));
      addTo(0);
      addTo(1);
      for (let m = 2; m < MAX_JOINT_SIZE; m++) {
        f.emit(op.get(size), op.const32(m), op.gtU, op.if);
        addTo(m);
        f.emit(op.end);
      }
      f.emit(op.get(joint!), op.get(at!), op.add, op.zeroV128, op.storeV128(0));
    });
    f.emit(op.get(joint!), op.get(blockBytes), op.add, op.set(joint!));
  });
  return f;
}

/** The parameters of `combine`, in order (i32). */
export const COMBINE_PARAMS = [
  "size",
  "rows",
  "step",
  "bins0At",
  "bins1At",
  "bins2At",
  "bins3At",
  "count1",
  "count2",
  "count3",
  "numberingAt",
  "outAt",
  "combosAt",
  "count",
  "maxCombos",
] as const;

/**
 * `combine(…)` (`COMBINE_PARAMS`): for every `step`-th of `rows` rows, the combination of the bins
 * (u8) of a group's `size` features (2 to {@link MAX_JOINT_SIZE}; feature m's at `bins<m>At`, its
 * bin count `count<m>`) as a key, `((b0 × count1 + b1) × count2 + b2) × count3 + b3`; the key's
 * number from the table at `numberingAt` (i32 per key, −1: none yet), a new key getting the next
 * number (from `count`) and its bins written at `combosAt + number × size`; each row's number
 * written at `outAt + row` (u8) unless `outAt` is 0. Returns the count of numbers, or −1 when a
 * row's key would be number `maxCombos`.
 */
export function combineFunction(): WasmFunction {
  const f = new WasmFunction("combine", COMBINE_PARAMS.length, I32);
  const p = Object.fromEntries(COMBINE_PARAMS.map((name, index) => [name, index])) as Record<
    (typeof COMBINE_PARAMS)[number],
    number
  >;
  const bins = [p.bins0At, p.bins1At, p.bins2At, p.bins3At];
  const counts = [0, p.count1, p.count2, p.count3];
  const [row, key, id, cell] = Array.from({ length: 4 }, () => f.local(I32)) as number[];
  f.forLoop(row!, op.const32(0), op.get(p.rows), op.get(p.step), () => {
    f.emit(op.get(bins[0]!), op.get(row!), op.add, op.load8, op.set(key!));
    for (let m = 1; m < MAX_JOINT_SIZE; m++) {
      if (m >= 2) f.emit(op.get(p.size), op.const32(m), op.gtU, op.if);
      f.emit(op.get(key!), op.get(counts[m]!), op.mul, op.get(bins[m]!), op.get(row!), op.add, op.load8);
      f.emit(op.add, op.set(key!));
      if (m >= 2) f.emit(op.end);
    }
    f.emit(op.get(p.numberingAt), op.get(key!), op.const32(2), op.shl, op.add, op.set(cell!));
    f.emit(op.get(cell!), op.load32(0), op.set(id!));
    f.emit(op.get(id!), op.const32(0), op.ltS, op.if);
    f.emit(op.get(p.count), op.get(p.maxCombos), op.geU, op.if, op.const32(-1), op.return, op.end);
    f.emit(op.get(p.count), op.set(id!), op.get(cell!), op.get(id!), op.store32);
    for (let m = 0; m < MAX_JOINT_SIZE; m++) {
      if (m >= 2) f.emit(op.get(p.size), op.const32(m), op.gtU, op.if);
      f.emit(op.get(p.combosAt), op.get(id!), op.get(p.size), op.mul, op.add, op.const32(m), op.add);
      f.emit(op.get(bins[m]!), op.get(row!), op.add, op.load8, op.store8);
      if (m >= 2) f.emit(op.end);
    }
    f.emit(op.get(p.count), op.const32(1), op.add, op.set(p.count));
    f.emit(op.end);
    f.emit(op.get(p.outAt), op.if, op.get(p.outAt), op.get(row!), op.add, op.get(id!), op.store8, op.end);
  });
  f.emit(op.get(p.count));
  return f;
}
