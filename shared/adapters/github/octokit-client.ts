/**
 * The octokit adapter behind GitHubPort: App or token auth, throttling (primary and
 * secondary rate limits) and retries (5xx), responses checked with zod, failures
 * translated in errors.ts.
 */
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { z } from "zod";
import { GitHubError, translated } from "./errors.js";
import type { GitHubPort, GitHubSession, IssueComment, IssueInfo } from "../../ports/github.js";
import type { GitHubClients } from "../../ports/github.js";

export type { GitHubClients } from "../../ports/github.js";

const ThrottledOctokit = Octokit.plugin(throttling, retry);
type Client = InstanceType<typeof ThrottledOctokit>;

/** How the controller signs in to GitHub (composition/settings.ts reads it). */
export type GitHubAuthSettings = { kind: "app"; appId: string; privateKey: string } | { kind: "token"; token: string };

export interface GitHubClientOptions {
  apiUrl: string;
  auth: GitHubAuthSettings;
  userAgent?: string;
  /** Waits before a retry are `retryAfter` (rate limits) or n^2 (5xx) times this. Default 1000 ms. */
  retryUnitMs?: number;
  /** Retries per request for rate limits and 5xx. Default 3. */
  retries?: number;
  /** Longest rate-limit wait spent inside one invocation; longer ones fail as transient. Default 60 s. */
  maxRateLimitWaitSeconds?: number;
  /**
   * Space content-creating requests as GitHub asks (1 s between writes, 3 s between ones
   * that notify). Default true; tests turn it off.
   */
  spaceWrites?: boolean;
  log?: { warn(message: string): void };
}

/** Stands in for a Bottleneck group when write spacing is off. */
const unspaced = {
  key: () => ({ schedule: (_options: unknown, task: (...args: unknown[]) => unknown, ...args: unknown[]) => task(...args) }),
};

const Author = z.object({ login: z.string() }).nullish();
const CommentPage = z.array(z.object({ id: z.number(), body: z.string().nullish(), user: Author }));
const Created = z.object({ id: z.number() });
const CreatedCheckRun = z.object({ id: z.number(), html_url: z.string().nullish() });
const CommitPulls = z.array(z.object({ number: z.number(), merged_at: z.string().nullish() }));
const RepositoryResponse = z.object({ clone_url: z.string().min(1), default_branch: z.string().min(1) });
const IssueResponse = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.enum(["open", "closed"]),
  pull_request: z.unknown().optional(),
  user: Author,
});
const IssuePage = z.array(IssueResponse);
const Installation = z.object({ id: z.number().int() });
const AppResponse = z.object({ slug: z.string().min(1) });
const UserResponse = z.object({ login: z.string().min(1) });

/** Whose comments and issues are ours: only these count when a marker is looked up. */
type Identity = () => Promise<string>;
const sameLogin = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();

/** Asks once; a failure is not remembered, so the next call asks again. */
function memoized(ask: () => Promise<string>): Identity {
  let known: Promise<string> | undefined;
  return () => {
    known ??= ask().catch((error: unknown) => {
      known = undefined;
      throw error;
    });
    return known;
  };
}
const issueInfo = (issue: z.infer<typeof IssueResponse>): IssueInfo => ({
  number: issue.number,
  title: issue.title,
  body: issue.body ?? "",
  state: issue.state,
});
const CheckRunList = z.object({
  check_runs: z.array(z.object({ id: z.number(), status: z.string(), external_id: z.string().nullish() })),
});

export function createGitHubClients(options: GitHubClientOptions): GitHubClients {
  const sessions = new Map<string, GitHubSession>();
  let appOctokit: Client | undefined;
  // App (JWT) auth for the few calls that need no installation.
  const app = () => (appOctokit ??= createOctokit(options, undefined));
  // The App's comments are written by its bot user `<slug>[bot]`; a token's by its user.
  const identity: Identity | undefined =
    options.auth.kind === "app"
      ? memoized(() =>
          translated("read the GitHub App (GET /app)", async () => `${AppResponse.parse((await app().rest.apps.getAuthenticated()).data).slug}[bot]`),
        )
      : undefined;
  return {
    forInstallation(installationId) {
      if (options.auth.kind === "app" && installationId === undefined) {
        throw new GitHubError("GITHUB_INVALID_REQUEST", "the event carries no installation id, which GitHub App auth needs", false);
      }
      const key = options.auth.kind === "app" ? String(installationId) : "token";
      let session = sessions.get(key);
      if (!session) {
        const octokit = createOctokit(options, installationId);
        const own =
          identity ??
          memoized(() =>
            translated("read the token's user (GET /user)", async () => UserResponse.parse((await octokit.rest.users.getAuthenticated()).data).login),
          );
        session = createSession(octokit, options.auth, own);
        sessions.set(key, session);
      }
      return session;
    },
    async installationFor(fullName) {
      if (options.auth.kind !== "app") return undefined;
      const [owner, repo] = fullName.split("/");
      return translated(`find the App installation of ${fullName}`, async () => {
        const response = await app().rest.apps.getRepoInstallation({ owner: owner!, repo: repo! });
        return Installation.parse(response.data).id;
      });
    },
  };
}

function createOctokit(options: GitHubClientOptions, installationId: number | undefined): Client {
  const unit = options.retryUnitMs ?? 1000;
  const retries = options.retries ?? 3;
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const again = retryCount < retries && retryAfter <= maxWait;
    options.log?.warn(`GitHub ${kind} on ${request.method} ${request.url}: ${again ? `retrying in ${retryAfter}s` : "giving up"}`);
    return again;
  };
  const auth =
    options.auth.kind === "app"
      ? // auth-app refuses an `installationId` key whose value is undefined: leave it out for JWT-only clients.
        {
          authStrategy: createAppAuth,
          auth: { appId: options.auth.appId, privateKey: options.auth.privateKey, ...(installationId !== undefined ? { installationId } : {}) },
        }
      : { auth: options.auth.token };
  return new ThrottledOctokit({
    ...auth,
    baseUrl: options.apiUrl,
    userAgent: options.userAgent ?? "ase-gitops",
    log: { debug: () => {}, info: () => {}, warn: (m: string) => options.log?.warn(m), error: (m: string) => options.log?.warn(m) },
    throttle: {
      onRateLimit: onLimit("rate limit"),
      onSecondaryRateLimit: onLimit("secondary rate limit"),
      retryAfterBaseValue: unit,
      ...(options.spaceWrites === false ? { write: unspaced, notifications: unspaced } : {}),
    } as never,
    retry: { retries, retryAfterBaseValue: unit },
  });
}

function createSession(octokit: Client, auth: GitHubAuthSettings, identity: Identity): GitHubSession {
  const github: GitHubPort = {
    async findIssueComment(repo, issueNumber, marker) {
      return translated(`list comments of ${repo.owner}/${repo.repo}#${issueNumber}`, async () => {
        const own = await identity();
        const iterator = octokit.paginate.iterator(octokit.rest.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 });
        for await (const page of iterator) {
          const comments = CommentPage.parse(page.data);
          // Only our own comment counts: anyone else quoting the marker (a PR author hiding
          // the plan, another App's bot) must not make us skip or edit theirs.
          const found = comments.find((comment) => comment.body?.includes(marker) && sameLogin(comment.user?.login, own));
          if (found) return { id: found.id, body: found.body ?? "" } satisfies IssueComment;
        }
        return undefined;
      });
    },
    async createIssueComment(repo, issueNumber, body) {
      return translated(`comment on ${repo.owner}/${repo.repo}#${issueNumber}`, async () => {
        const response = await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
        return { id: Created.parse(response.data).id, body };
      });
    },
    async updateIssueComment(repo, commentId, body) {
      await translated(`update comment ${commentId} in ${repo.owner}/${repo.repo}`, () =>
        octokit.rest.issues.updateComment({ ...repo, comment_id: commentId, body }),
      );
    },
    async createCheckRun(repo, run) {
      return translated(`create check run ${run.name} on ${run.headSha.slice(0, 7)}`, async () => {
        const response = await octokit.rest.checks.create({
          ...repo,
          name: run.name,
          head_sha: run.headSha,
          status: run.status,
          started_at: new Date().toISOString(),
          ...(run.externalId ? { external_id: run.externalId } : {}),
          ...(run.output ? { output: run.output } : {}),
        });
        const created = CreatedCheckRun.parse(response.data);
        return { id: created.id, ...(created.html_url ? { url: created.html_url } : {}) };
      });
    },
    async pullRequestsForCommit(repo, sha) {
      return translated(`pull requests of ${sha.slice(0, 7)}`, async () => {
        const response = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha, per_page: 100 });
        return CommitPulls.parse(response.data)
          .filter((pr) => pr.merged_at)
          .map((pr) => pr.number);
      });
    },
    async getRepository(repo) {
      return translated(`read repository ${repo.owner}/${repo.repo}`, async () => {
        const data = RepositoryResponse.parse((await octokit.rest.repos.get({ ...repo })).data);
        return { cloneUrl: data.clone_url, defaultBranch: data.default_branch };
      });
    },
    async listIssuesByLabel(repo, label) {
      return translated(`list ${label} issues of ${repo.owner}/${repo.repo}`, async () => {
        const own = await identity();
        const out: IssueInfo[] = [];
        const iterator = octokit.paginate.iterator(octokit.rest.issues.listForRepo, { ...repo, labels: label, state: "all", per_page: 100 });
        for await (const page of iterator) {
          for (const issue of IssuePage.parse(page.data)) {
            // Pull requests are issues to this API; only the issues we opened count.
            if (issue.pull_request !== undefined || !sameLogin(issue.user?.login, own)) continue;
            out.push(issueInfo(issue));
          }
        }
        return out;
      });
    },
    async findIssueByMarker(repo, label, marker) {
      const issues = await github.listIssuesByLabel!(repo, label);
      return issues.find((issue) => issue.body.includes(marker));
    },
    async createIssue(repo, issue) {
      return translated(`create an issue in ${repo.owner}/${repo.repo}`, async () => {
        const response = await octokit.rest.issues.create({ ...repo, title: issue.title, body: issue.body, labels: issue.labels });
        return issueInfo(IssueResponse.parse(response.data));
      });
    },
    async updateIssue(repo, issueNumber, update) {
      await translated(`update issue ${repo.owner}/${repo.repo}#${issueNumber}`, () =>
        octokit.rest.issues.update({
          ...repo,
          issue_number: issueNumber,
          ...(update.title !== undefined ? { title: update.title } : {}),
          ...(update.body !== undefined ? { body: update.body } : {}),
          ...(update.state ? { state: update.state, ...(update.state === "closed" ? { state_reason: "completed" as const } : {}) } : {}),
        }),
      );
    },
    async closeIssue(repo, issueNumber, comment) {
      await github.createIssueComment(repo, issueNumber, comment);
      await github.updateIssue(repo, issueNumber, { state: "closed" });
    },
    async listCheckRuns(repo, headSha, name) {
      return translated(`list check runs on ${headSha.slice(0, 7)}`, async () => {
        const response = await octokit.rest.checks.listForRef({ ...repo, ref: headSha, check_name: name, filter: "latest", per_page: 100 });
        return CheckRunList.parse(response.data).check_runs.map((run) => ({
          id: run.id,
          status: run.status,
          ...(run.external_id ? { externalId: run.external_id } : {}),
        }));
      });
    },
    async updateCheckRun(repo, checkRunId, update) {
      await translated(`update check run ${checkRunId}`, () =>
        octokit.rest.checks.update({
          ...repo,
          check_run_id: checkRunId,
          ...(update.status ? { status: update.status } : {}),
          ...(update.conclusion ? { conclusion: update.conclusion, completed_at: new Date().toISOString() } : {}),
          ...(update.output ? { output: update.output } : {}),
        }),
      );
    },
  };
  return {
    github,
    async gitToken() {
      if (auth.kind === "token") return auth.token;
      return translated("create installation token", async () => {
        const result = (await octokit.auth({ type: "installation" })) as { token?: unknown };
        if (typeof result.token !== "string") throw new GitHubError("GITHUB_UNEXPECTED_RESPONSE", "installation auth returned no token", false);
        return result.token;
      });
    },
  };
}
