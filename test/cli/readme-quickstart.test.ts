/** The README's quick-start command must print what the README shows. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, runCli } from "./run-cli.js";

function fencedBlockAfter(markdown: string, marker: string): string {
  const start = markdown.indexOf(`<!-- ${marker} -->`);
  if (start < 0) throw new Error(`README has no <!-- ${marker} --> marker`);
  const match = /```[a-z]*\n([\s\S]*?)\n```/.exec(markdown.slice(start));
  if (!match) throw new Error(`no fenced block after ${marker}`);
  return match[1]!;
}

describe("README quick start", () => {
  it("its plan command prints the documented summary", async () => {
    const readme = await readFile(`${PROJECT_ROOT}/README.md`, "utf8");
    const command = fencedBlockAfter(readme, "quickstart:command").trim();
    expect(command).toMatch(/^npx ase-gitops /);
    const args = command.replace(/^npx ase-gitops /, "").split(/\s+/);
    const run = runCli(args);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(fencedBlockAfter(readme, "quickstart:output"));
  });
});
