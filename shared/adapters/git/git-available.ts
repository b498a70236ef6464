/**
 * The controller shells out to git (simple-git). A host without it (a trimmed container, a
 * plan image that dropped it) would otherwise fail every job with spawn ENOENT deep in a
 * fetch; checking `git --version` once gives one clear line instead.
 */
import { execFile } from "node:child_process";

export const GIT_MISSING_MESSAGE =
  "git is not installed or not on PATH: the controller runs git to read the fleet repositories; install git on this host (see docs/deployment.md)";

/** Resolves with git's version line, or rejects with an Error carrying GIT_MISSING_MESSAGE. */
export function checkGitAvailable(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", ["--version"], { env, timeout: 10_000 }, (error, stdout) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        reject(new Error(missing ? GIT_MISSING_MESSAGE : `git --version failed: ${String(error.message).split("\n")[0]}`));
        return;
      }
      resolve(stdout.trim());
    });
  });
}
