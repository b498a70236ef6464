/**
 * A reusable cache of fleet repositories: one bare repository per GitHub repository,
 * updated with `git fetch` (never a fresh clone), and throw-away worktrees for the commits
 * a job reads. Tokens travel in an `http.extraHeader` for that one command, never in a URL
 * or in the repository's config.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { type CloneUrlPolicy, isFetchAllowed } from "../../core/trust/clone-url.js";
import { checkGitAvailable } from "./git-available.js";
import { type CachedRepo, type RepoCache, GitError } from "../../ports/repo-cache.js";
import { loadFleet } from "./fleet-folder.js";

export { type CachedRepo, type FetchSpec, type RepoCache, type Worktree, GitError } from "../../ports/repo-cache.js";

/** Redacts anything that looks like a credential from git's messages. */
const redact = (text: string) => text.replace(/(authorization:\s*\w+\s+)\S+/gi, "$1***").replace(/\/\/[^/@\s]+@/g, "//***@");

/** `policy`: the only URLs a fetch may use (the configured GitHub server; local ones in development). */
export function createRepoCache(root: string, policy: CloneUrlPolicy): RepoCache {
  const repos = new Map<string, Promise<CachedRepo>>();
  // Checked once, when the cache is made; every open waits for it, so a host without git
  // fails each job with one clear line (not retried: the host needs git installed).
  const gitReady = checkGitAvailable().catch((error: Error) => {
    throw new GitError("GIT_MISSING", error.message, false);
  });
  gitReady.catch(() => undefined); // reported by open(), not as an unhandled rejection
  return {
    open(fullName) {
      const key = fullName.toLowerCase();
      let repo = repos.get(key);
      if (!repo) {
        repo = gitReady.then(() => openRepo(join(root, `${key.replace(/[^a-z0-9._-]+/g, "__")}.git`), policy));
        repos.set(key, repo);
        repo.catch(() => repos.delete(key));
      }
      return repo;
    },
    loadFleet,
  };
}

async function openRepo(dir: string, policy: CloneUrlPolicy): Promise<CachedRepo> {
  await mkdir(dir, { recursive: true });
  const git: SimpleGit = simpleGit({ baseDir: dir, trimmed: false });
  if (!(await git.checkIsRepo().catch(() => false))) await git.init(true);
  // Commands that write refs or the object store run one at a time in this process.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = tail.then(task, task);
    tail = next.catch(() => undefined);
    return next;
  };
  const fail = (code: GitError["code"], what: string, error: unknown, transient: boolean) =>
    new GitError(
      code,
      `${what}: ${redact((error as Error).message ?? String(error))
        .trim()
        .split("\n")
        .slice(0, 3)
        .join(" ")}`,
      transient,
    );

  return {
    dir,
    async fetch(spec) {
      if (!isFetchAllowed(policy, spec.url)) {
        throw new GitError(
          "GIT_BAD_URL",
          `refusing to fetch from ${redact(spec.url)}: not on the configured GitHub server ${policy.githubServerUrl}${policy.allowLocalRepositories ? "" : " (local paths need ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES=true)"}`,
          false,
        );
      }
      const config: string[] = [];
      if (spec.token && spec.url.startsWith("https://")) {
        const basic = Buffer.from(`x-access-token:${spec.token}`).toString("base64");
        config.push("-c", `http.extraHeader=Authorization: Basic ${basic}`);
      }
      await serial(async () => {
        try {
          await git.raw([...config, "fetch", "--no-tags", "--no-write-fetch-head", "--quiet", spec.url, ...spec.refspecs]);
        } catch (error) {
          throw fail("GIT_FETCH_FAILED", `git fetch ${redact(spec.url)} ${spec.refspecs.join(" ")}`, error, true);
        }
      });
    },
    async hasCommit(rev) {
      try {
        await git.raw(["cat-file", "-e", `${rev}^{commit}`]);
        return true;
      } catch {
        return false;
      }
    },
    async resolve(rev) {
      try {
        return (await git.raw(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`])).trim();
      } catch (error) {
        throw fail("GIT_COMMIT_MISSING", `no commit ${rev}`, error, false);
      }
    },
    async mergeBase(a, b) {
      try {
        return (await git.raw(["merge-base", a, b])).trim() || undefined;
      } catch {
        return undefined; // unrelated histories
      }
    },
    async diffNameStatus(from, to, paths = []) {
      try {
        return await git.raw(["diff", "--name-status", "-z", "-M", "--no-color", from, to, "--", ...paths]);
      } catch (error) {
        throw fail("GIT_FAILED", `git diff ${from} ${to}`, error, false);
      }
    },
    async show(rev, path) {
      try {
        return await git.raw(["show", `${rev}:${path}`]);
      } catch {
        return undefined;
      }
    },
    async worktree(rev) {
      const path = await mkdtemp(join(dir, "..", ".worktree-"));
      await serial(async () => {
        try {
          await git.raw(["worktree", "add", "--detach", "--force", path, rev]);
        } catch (error) {
          await rm(path, { recursive: true, force: true });
          throw fail("GIT_FAILED", `git worktree add ${rev}`, error, true);
        }
      });
      return {
        path,
        dispose: async () => {
          await serial(() => git.raw(["worktree", "remove", "--force", path]).catch(() => undefined));
          await rm(path, { recursive: true, force: true });
          await serial(() => git.raw(["worktree", "prune"]).catch(() => undefined));
        },
      };
    },
  };
}
