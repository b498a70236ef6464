/**
 * A host without git: the repo cache checks `git --version` once and every open fails with
 * one clear line (GIT_MISSING, not retried), instead of spawn ENOENT deep inside a fetch.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { checkGitAvailable, GIT_MISSING_MESSAGE } from "../../shared/adapters/git/git-available.js";

const noGitPath = () => mkdtempSync(join(tmpdir(), "no-git-"));

describe("git on the host", () => {
  it("answers git's version where git is installed", async () => {
    expect(await checkGitAvailable()).toMatch(/^git version \d/);
  });

  it("says in one line that git is missing when PATH has no git", async () => {
    await expect(checkGitAvailable({ PATH: noGitPath() })).rejects.toThrow(GIT_MISSING_MESSAGE);
    expect(GIT_MISSING_MESSAGE).not.toContain("\n");
  });

  it("makes the repo cache fail fast with GIT_MISSING in a process whose PATH has no git", async () => {
    // The compiled module in a child process: PATH is the process's own, as on a Function App.
    const module = pathToFileURL(resolve("dist/shared/adapters/git/repo-cache.js")).href;
    const script = `
      const { createRepoCache } = await import(${JSON.stringify(module)});
      const cache = createRepoCache(${JSON.stringify(join(noGitPath(), "cache"))}, { githubServerUrl: "https://github.com", allowLocalRepositories: false });
      for (const name of ["contoso/fleet", "contoso/fleet"]) {
        try { await cache.open(name); console.log("opened"); }
        catch (error) { console.log(JSON.stringify({ code: error.code, transient: error.transient, message: error.message })); }
      }`;
    const stdout = await new Promise<string>((done, fail) =>
      execFile(process.execPath, ["--input-type=module", "-e", script], { env: { PATH: noGitPath() } }, (error, out, err) =>
        error ? fail(new Error(`${error.message}\n${err}`)) : done(out),
      ),
    );
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { code: "GIT_MISSING", transient: false, message: GIT_MISSING_MESSAGE },
      { code: "GIT_MISSING", transient: false, message: GIT_MISSING_MESSAGE },
    ]);
  });
});
