/**
 * Real git repositories for tests and the demo: a bare "remote" (what clone_url points at) and a work
 * clone the test commits and pushes from.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";

export interface TestRepo {
  /** The bare repository: use as clone_url. */
  remote: string;
  work: string;
  git: SimpleGit;
  /** Writes files (null deletes), commits them and returns the new SHA (not pushed). */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
  checkout(branch: string, from?: string): Promise<void>;
  push(branch: string): Promise<void>;
  rename(from: string, to: string, message?: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function createTestRepo(defaultBranch = "main"): Promise<TestRepo> {
  const root = await mkdtemp(join(tmpdir(), "ase-gitops-repo-"));
  const remote = join(root, "remote.git");
  const work = join(root, "work");
  await mkdir(remote);
  await mkdir(work);
  await simpleGit(remote).raw(["init", "--bare", "--initial-branch", defaultBranch]);
  const git = simpleGit(work);
  await git.raw(["init", "--initial-branch", defaultBranch]);
  await git.addConfig("user.email", "test@example.com").addConfig("user.name", "Test").addConfig("commit.gpgsign", "false");
  await git.addRemote("origin", remote);
  const repo: TestRepo = {
    remote,
    work,
    git,
    async commit(files, message = "change") {
      for (const [path, content] of Object.entries(files)) {
        const full = join(work, path);
        if (content === null) await rm(full, { force: true });
        else {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, content);
        }
      }
      // One `add -A` for any number of files (a 3,000-device change stays fast).
      await git.raw(["add", "-A"]);
      await git.commit(message, { "--allow-empty": null });
      return (await git.revparse(["HEAD"])).trim();
    },
    async checkout(branch, from) {
      if (from) await git.raw(["checkout", "-B", branch, from]);
      else await git.raw(["checkout", branch]).catch(() => git.raw(["checkout", "-b", branch]));
    },
    async push(branch) {
      await git.raw(["push", "--force", "origin", `${branch}:refs/heads/${branch}`]);
    },
    async rename(from, to, message = "rename") {
      await mkdir(dirname(join(work, to)), { recursive: true });
      await git.raw(["mv", from, to]);
      await git.commit(message);
      return (await git.revparse(["HEAD"])).trim();
    },
    async dispose() {
      await rm(root, { recursive: true, force: true });
    },
  };
  return repo;
}
