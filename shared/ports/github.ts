/**
 * Our interface to GitHub: the handful of calls the controller makes. Callers depend on
 * this, never on octokit, so tests and other hosts can supply their own.
 */
export interface RepoRef {
  owner: string;
  repo: string;
}

export interface IssueComment {
  id: number;
  body: string;
}

export type { AnnotationLevel, CheckAnnotation, CheckConclusion, CheckRunOutput } from "../core/report/check-types.js";
import type { CheckConclusion, CheckRunOutput } from "../core/report/check-types.js";

export interface NewCheckRun {
  name: string;
  headSha: string;
  status: "queued" | "in_progress";
  externalId?: string;
  output?: CheckRunOutput;
}

export interface CheckRunUpdate {
  status?: "in_progress" | "completed";
  conclusion?: CheckConclusion;
  output?: CheckRunOutput;
}

/** Comments on an issue or pull request: the plan comment, the apply report's note. */
export interface IssueComments {
  /** The first comment on the issue or pull request whose body contains `marker`. */
  findIssueComment(repo: RepoRef, issueNumber: number, marker: string): Promise<IssueComment | undefined>;
  createIssueComment(repo: RepoRef, issueNumber: number, body: string): Promise<IssueComment>;
  updateIssueComment(repo: RepoRef, commentId: number, body: string): Promise<void>;
}

/** Check runs: `ase-gitops/plan` on pull request heads, `ase-gitops/apply` on merges. */
export interface CheckRuns {
  /** The new check run's id and, when GitHub says, its page. */
  createCheckRun(repo: RepoRef, run: NewCheckRun): Promise<{ id: number; url?: string }>;
  /** Check runs named `name` on a commit (newest first), for resuming after a retry. */
  listCheckRuns(repo: RepoRef, headSha: string, name: string): Promise<Array<{ id: number; status: string; externalId?: string }>>;
  updateCheckRun(repo: RepoRef, checkRunId: number, update: CheckRunUpdate): Promise<void>;
}

/** Which merged pull requests a pushed commit came from (the apply report comments there). */
export interface MergedPullRequests {
  /** Merged pull requests whose merge produced (or whose head is) the commit. */
  pullRequestsForCommit(repo: RepoRef, sha: string): Promise<number[]>;
}

/** A repository's details, for drift checks not started by a webhook. */
export interface Repositories {
  /** Clone URL and default branch. */
  getRepository(repo: RepoRef): Promise<RepositoryDetails>;
}

/** Drift issues: one per device, found by a hidden marker under the drift label. */
export interface LabelledIssues {
  /** Every issue (open and closed, pull requests excluded) carrying `label`. */
  listIssuesByLabel(repo: RepoRef, label: string): Promise<IssueInfo[]>;
  /** The first issue with `label` whose body contains the hidden `marker`. */
  findIssueByMarker(repo: RepoRef, label: string, marker: string): Promise<IssueInfo | undefined>;
  createIssue(repo: RepoRef, issue: NewIssue): Promise<IssueInfo>;
  /** Edits title/body, and reopens when `state: "open"` is given. */
  updateIssue(repo: RepoRef, issueNumber: number, update: IssueUpdate): Promise<void>;
  /** Comments, then closes the issue as completed. */
  closeIssue(repo: RepoRef, issueNumber: number, comment: string): Promise<void>;
}

/**
 * Everything the GitHub adapter offers. Use cases name only the small interfaces above
 * they call (plan: IssueComments & CheckRuns; apply report: CheckRuns & IssueComments;
 * drift: LabelledIssues & IssueComments; drift targets: Repositories).
 */
export interface GitHubPort extends IssueComments, CheckRuns, MergedPullRequests, Repositories, LabelledIssues {}

export interface RepositoryDetails {
  cloneUrl: string;
  defaultBranch: string;
}

export interface IssueInfo {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
}

export interface NewIssue {
  title: string;
  body: string;
  labels: string[];
}

export interface IssueUpdate {
  title?: string;
  body?: string;
  state?: "open" | "closed";
}

/** What a job gets for one installation: the port, and a token for git over https. */
export interface GitHubSession {
  github: GitHubPort;
  /** Token for `git fetch` over https (installation token or the configured token). */
  gitToken(): Promise<string>;
}

export function parseRepoRef(fullName: string): RepoRef {
  const [owner, repo, ...rest] = fullName.split("/");
  if (!owner || !repo || rest.length > 0) throw new Error(`not an owner/name repository: ${fullName}`);
  return { owner, repo };
}

export interface GitHubClients {
  /** A session for one App installation (ignored with token auth). */
  forInstallation(installationId?: number): GitHubSession;
  /** The App installation serving a repository (undefined with token auth). */
  installationFor?(fullName: string): Promise<number | undefined>;
}
