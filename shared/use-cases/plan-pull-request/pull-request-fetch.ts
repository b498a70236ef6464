/**
 * Brings a pull request's commits into the cache: the default branch (whose manifests are
 * trusted for endpoints), the base branch and the head commit. GitHub serves
 * `refs/pull/N/head`; plain repositories (tests, the demo) have only the head branch, so
 * both are tried.
 */
import { GitError, type CachedRepo } from "../../ports/repo-cache.js";
import { type ChangedFile, parseNameStatus } from "../../core/changes/changed-files.js";

export interface PullRequestRefs {
  cloneUrl: string;
  headCloneUrl: string;
  defaultBranch: string;
  baseRef: string;
  headRef: string;
  headSha: string;
  number: number;
}

export interface FetchedPullRequest {
  defaultTip: string;
  baseTip: string;
  /** Where the branch left its base; the diff starts here. */
  mergeBase: string;
  changes: ChangedFile[];
}

const branchRef = (name: string) => `refs/heads/${name}`;

export async function fetchPullRequest(repo: CachedRepo, refs: PullRequestRefs, token: string | undefined): Promise<FetchedPullRequest> {
  const local = {
    default: `refs/ase/default/${refs.defaultBranch}`,
    base: `refs/ase/base/${refs.baseRef}`,
    head: `refs/ase/pull/${refs.number}/head`,
  };
  const refspecs = [`+${branchRef(refs.defaultBranch)}:${local.default}`];
  if (refs.baseRef !== refs.defaultBranch) refspecs.push(`+${branchRef(refs.baseRef)}:${local.base}`);
  await repo.fetch({ url: refs.cloneUrl, refspecs, ...(token ? { token } : {}) });

  if (!(await repo.hasCommit(refs.headSha))) {
    const attempts = [
      { url: refs.cloneUrl, refspec: `+refs/pull/${refs.number}/head:${local.head}` },
      { url: refs.headCloneUrl, refspec: `+${branchRef(refs.headRef)}:${local.head}` },
    ];
    for (const attempt of attempts) {
      try {
        await repo.fetch({ url: attempt.url, refspecs: [attempt.refspec], ...(token ? { token } : {}) });
      } catch {
        // the next way may work; a missing commit is reported below
      }
      if (await repo.hasCommit(refs.headSha)) break;
    }
  }
  if (!(await repo.hasCommit(refs.headSha))) {
    throw new GitError(
      "GIT_COMMIT_MISSING",
      `head commit ${refs.headSha} of pull request #${refs.number} is not fetchable (force-pushed away?)`,
      false,
    );
  }
  const defaultTip = await repo.resolve(local.default);
  const baseTip = refs.baseRef === refs.defaultBranch ? defaultTip : await repo.resolve(local.base);
  const mergeBase = (await repo.mergeBase(baseTip, refs.headSha)) ?? baseTip;
  const changes = parseNameStatus(await repo.diffNameStatus(mergeBase, refs.headSha));
  return { defaultTip, baseTip, mergeBase, changes };
}
