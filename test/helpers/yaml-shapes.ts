/**
 * Manifest texts of about `bytes` bytes in the shapes that once made loading quadratic (issue
 * 9, item 7): wide maps, deep nesting, long sequences, many documents, many aliases. Used by
 * test/security/07-linear-yaml.test.ts (at two sizes, to show the work grows linearly) and by
 * bench/yaml.bench.ts (at 1 MiB, for the figures).
 */

const HEAD = "apiVersion: ase-gitops/v1\nkind: EdgeDevice\n";

function deviceHead(name: string): string {
  return `${HEAD}metadata:\n  name: ${name}\nspec:\n  gpu:\n    count: 2\n`;
}

/** Repeats `line(i)` until the text reaches `bytes`. */
function fill(head: string, bytes: number, line: (i: number) => string, tail = ""): string {
  const parts = [head];
  let size = head.length + tail.length;
  for (let i = 0; size < bytes; i++) {
    const next = line(i);
    if (size + next.length > bytes) break;
    parts.push(next);
    size += next.length;
  }
  parts.push(tail);
  return parts.join("");
}

export type YamlShape = (bytes: number) => string;

export const YAML_SHAPES: Record<string, YamlShape> = {
  /** The 137k-key file of the issue: one top-level map of unknown fields. */
  "wide top-level map": (bytes) => fill(HEAD, bytes, (i) => `k${i}: 1\n`),
  /** Every key of a wide map repeated once: many duplicate-key errors. */
  "wide map of duplicate keys": (bytes) => fill(HEAD, bytes, (i) => `k${i >> 1}: 1\n`),
  /** A valid device with a huge label map. */
  "wide label map": (bytes) => fill(`${HEAD}metadata:\n  name: dev-a\n  labels:\n`, bytes, (i) => `    l${i}: v\n`, "spec:\n  gpu:\n    count: 1\n"),
  /** Labels that are all invalid (numbers where text is expected): one error each. */
  "wide map of invalid labels": (bytes) =>
    fill(`${HEAD}metadata:\n  name: dev-a\n  labels:\n`, bytes, (i) => `    l${i}: [${i}]\n`, "spec:\n  gpu:\n    count: 1\n"),
  /** Flow collections nested as deep as the bytes allow. */
  "deep flow nesting": (bytes) => {
    const depth = Math.floor((bytes - HEAD.length - 8) / 2);
    return `${HEAD}spec: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
  },
  /** Block maps nested as deep as the bytes allow (indentation grows with depth). */
  "deep block nesting": (bytes) => {
    const parts = [HEAD, "spec:\n"];
    let size = HEAD.length + 6;
    for (let depth = 1; ; depth++) {
      const line = `${" ".repeat(depth)}a:\n`;
      if (size + line.length > bytes) break;
      parts.push(line);
      size += line.length;
    }
    return parts.join("");
  },
  /** A device listing thousands of VMs (valid): the planner sees them all. */
  "long VM sequence": (bytes) =>
    fill(`${deviceHead("dev-a")}  virtualMachines:\n`, bytes, (i) => `    - { name: vm-${i}, size: Standard_D1_v2, image: img }\n`),
  /** Thousands of VMs, every one invalid: one error each. */
  "long sequence of invalid VMs": (bytes) =>
    fill(`${deviceHead("dev-a")}  virtualMachines:\n`, bytes, (i) => `    - { name: vm-${i}, size: 7, image: img, powerState: paused }\n`),
  /** Thousands of small device documents in one file. */
  "many documents": (bytes) => fill("", bytes, (i) => `---\n${deviceHead(`dev-${i}`)}`),
  /** One anchor and a long sequence of aliases to it. */
  "many aliases": (bytes) => fill(`${HEAD}base: &a x\nlist:\n`, bytes, () => "  - *a\n"),
  /** Many anchors, each used once. */
  "many anchors": (bytes) => fill(`${HEAD}list:\n`, bytes, (i) => `  - &a${i} x\n  - *a${i}\n`),
};
