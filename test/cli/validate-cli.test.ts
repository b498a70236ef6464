/** `ase-gitops validate` and `--version`, run as users run them (the built CLI in a child process). */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const CLI = join(ROOT, "bin/ase-gitops.js");

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("ase-gitops validate", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "validate-"));
    await writeFile(join(dir, "good.yaml"), "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata: { name: good }\nspec:\n  gpu: { count: 1 }\n");
    await writeFile(join(dir, "bad.yaml"), "apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata: { name: bad }\nspec:\n  gpu: { count: 3 }\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("passes the example fleet (warnings only) with exit 0", async () => {
    const r = await cli(["validate", join(ROOT, "examples/fleet")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/8 manifests checked: 0 errors, \d+ warnings?\n$/);
  });

  it("prints each error as file:line and exits 2", async () => {
    const r = await cli(["validate", dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("bad.yaml:5: error INVALID_MANIFEST spec.gpu.count: must be 1 or 2");
    expect(r.stdout).toMatch(/2 manifests checked: 1 error, 0 warnings\n$/);
    const json = JSON.parse((await cli(["validate", dir, "--format", "json"])).stdout);
    expect(json).toMatchObject({
      valid: false,
      devices: 2,
      problems: [{ severity: "error", device: "bad", file: "bad.yaml", line: 5, code: "INVALID_MANIFEST" }],
    });
  });

  it("a missing path is a one-line usage error (exit 1)", async () => {
    const r = await cli(["validate", join(dir, "nope")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ase-gitops: no such file or folder: .*nope\n$/);
  });
});

describe("ase-gitops --version", () => {
  it("prints package.json's version", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
    const r = await cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });
});
