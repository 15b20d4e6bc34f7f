// WebAssembly's JavaScript API as Node provides it. TypeScript declares it only in its DOM and
// webworker libraries and @types/node 20 not at all; this is the part ct uses (the gbdt
// histogram pass, packages/gbdt/src/histogram-wasm.ts).
declare namespace WebAssembly {
  type Exports = Record<string, unknown>;
  type Imports = Record<string, Record<string, unknown>>;

  class Module {
    constructor(bytes: Uint8Array);
  }

  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }

  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }

  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(pages: number): number;
  }

  function validate(bytes: Uint8Array): boolean;
}
