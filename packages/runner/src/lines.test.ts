import { describe, expect, it } from "vitest";
import { createLineWriter, prefixedOutput } from "./lines.ts";

describe("createLineWriter", () => {
  it("emits whole lines across chunk borders, multi-byte characters split included", () => {
    const lines: string[] = [];
    const writer = createLineWriter((line) => lines.push(line));
    const bytes = Buffer.from("first ✓ line\r\nsecond ünï\nthird without end", "utf8");
    // One byte at a time: every UTF-8 sequence is cut in the middle once.
    for (const byte of bytes) writer.write(Buffer.from([byte]));
    expect(lines).toEqual(["first ✓ line", "second ünï"]);
    writer.end();
    expect(lines).toEqual(["first ✓ line", "second ünï", "third without end"]);
  });

  it("keeps empty lines and emits nothing more on end after a final newline", () => {
    const lines: string[] = [];
    const writer = createLineWriter((line) => lines.push(line));
    writer.write("a\n\nb\n");
    writer.end();
    expect(lines).toEqual(["a", "", "b"]);
  });
});

describe("prefixedOutput", () => {
  it("pads the step name so several steps line up", () => {
    const written: string[] = [];
    const output = prefixedOutput({ write: (chunk: string) => written.push(chunk) }, "train", 10);
    output.line("stderr", "hello");
    output.line("stdout", "");
    expect(written).toEqual(["train      | hello\n", "train      | \n"]);
  });
});
