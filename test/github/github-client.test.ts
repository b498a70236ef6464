/**
 * The octokit adapter against the loopback GitHub API: rate limits (primary 403 and
 * secondary 429 with retry-after), 5xx retries, error translation, App auth, pagination.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GitHubError, toGitHubError } from "../../shared/adapters/github/errors.js";
import { createGitHubClients } from "../../shared/adapters/github/octokit-client.js";
import { LOOPBACK_TOKEN_USER, startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.js";

let github: FakeGitHub;
const repo = { owner: "contoso", repo: "edge-fleet" };
const SHA = "c".repeat(40);

beforeAll(async () => {
  github = await startFakeGitHub();
});
afterAll(async () => {
  await github?.close();
});
afterEach(() => {
  expect(github.unexpected).toEqual([]);
  github.reset();
});

const tokenClient = (retries = 3) =>
  createGitHubClients({ apiUrl: github.url, auth: { kind: "token", token: "ghp_x" }, spaceWrites: false, retryUnitMs: 5, retries }).forInstallation()
    .github;
const posts = () => github.calls.filter((c) => c.method === "POST" && c.path.endsWith("/check-runs"));

describe("rate limits and server errors", () => {
  it("waits out a primary rate limit (403, x-ratelimit-remaining 0) and retries", async () => {
    github.failNext("POST", /check-runs$/, {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 1) },
      body: { message: "API rate limit exceeded for installation ID 424242." },
    });
    const run = await tokenClient().createCheckRun(repo, { name: "ase-gitops/plan", headSha: SHA, status: "in_progress" });
    expect(run.id).toBeGreaterThan(0);
    expect(posts().map((c) => c.status)).toEqual([403, 201]);
  });

  it("honours retry-after on a secondary rate limit (429)", async () => {
    github.failNext("POST", /check-runs$/, {
      status: 429,
      headers: { "retry-after": "2" },
      body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." },
    });
    await tokenClient().createCheckRun(repo, { name: "ase-gitops/plan", headSha: SHA, status: "in_progress" });
    expect(posts().map((c) => c.status)).toEqual([429, 201]);
  });

  it("honours a secondary rate limit sent as 403", async () => {
    github.failNext("POST", /\/comments$/, {
      status: 403,
      headers: { "retry-after": "1" },
      body: { message: "You have exceeded a secondary rate limit and have been temporarily blocked from content creation." },
    });
    await tokenClient().createIssueComment(repo, 7, "hello");
    expect(github.calls.filter((c) => c.method === "POST").map((c) => c.status)).toEqual([403, 201]);
    expect(github.comments).toHaveLength(1);
  });

  it("retries 5xx and succeeds", async () => {
    github.failNext(
      "PATCH",
      /check-runs\/\d+$/,
      { status: 502, body: { message: "Bad Gateway" } },
      { status: 503, body: { message: "unavailable" } },
    );
    const client = tokenClient();
    const run = await client.createCheckRun(repo, { name: "ase-gitops/plan", headSha: SHA, status: "in_progress" });
    await client.updateCheckRun(repo, run.id, { conclusion: "success", output: { title: "ok", summary: "ok" } });
    expect(github.calls.filter((c) => c.method === "PATCH").map((c) => c.status)).toEqual([502, 503, 200]);
    expect(github.checkRuns[0]).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("gives up after the retries with a transient GitHubError", async () => {
    const down = { status: 500, body: { message: "Internal Server Error" } };
    github.failNext("POST", /check-runs$/, down, down, down);
    const error = await tokenClient(2)
      .createCheckRun(repo, { name: "ase-gitops/plan", headSha: SHA, status: "in_progress" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect(error).toMatchObject({ code: "GITHUB_UNAVAILABLE", transient: true, status: 500 });
    expect(posts()).toHaveLength(3);
  });

  it("does not retry terminal errors and translates them", async () => {
    github.failNext("PATCH", /issues\/comments\/\d+$/, { status: 404, body: { message: "Not Found" } });
    const error = await tokenClient()
      .updateIssueComment(repo, 1, "x")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "GITHUB_NOT_FOUND", transient: false, status: 404 });
    expect(github.calls).toHaveLength(1);
  });
});

describe("error translation", () => {
  it("classifies statuses by code, not by message", () => {
    const e = (status: number, headers: Record<string, string> = {}, message = "x") =>
      toGitHubError({ status, message, response: { headers } }, "call");
    expect(e(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 30) })).toMatchObject({
      code: "GITHUB_RATE_LIMITED",
      transient: true,
    });
    expect(e(429, { "retry-after": "17" })).toMatchObject({ code: "GITHUB_RATE_LIMITED", retryAfter: 17 });
    expect(e(403)).toMatchObject({ code: "GITHUB_FORBIDDEN", transient: false });
    expect(e(401)).toMatchObject({ code: "GITHUB_UNAUTHORIZED", transient: true });
    expect(e(422)).toMatchObject({ code: "GITHUB_INVALID_REQUEST", transient: false });
    expect(e(504)).toMatchObject({ code: "GITHUB_UNAVAILABLE", transient: true });
    expect(toGitHubError(new TypeError("fetch failed"), "call")).toMatchObject({ code: "GITHUB_REQUEST_FAILED", transient: true });
  });
});

describe("GitHub App auth", () => {
  it("exchanges the App JWT for an installation token and uses it", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const clients = createGitHubClients({ apiUrl: github.url, auth: { kind: "app", appId: "123", privateKey }, spaceWrites: false, retryUnitMs: 5 });
    const session = clients.forInstallation(424242);
    await session.github.createIssueComment(repo, 7, "hello");
    expect(await session.gitToken()).toBe("ghs_installation_424242");
    const tokenCall = github.calls.find((c) => c.path === "/app/installations/424242/access_tokens");
    expect(tokenCall?.authorization).toMatch(/^bearer ey/i);
    const comment = github.calls.find((c) => c.path.endsWith("/comments"));
    expect(comment?.authorization).toBe("token ghs_installation_424242");
    expect(() => clients.forInstallation(undefined)).toThrow(GitHubError);
    // Only the App's own (Bot) comment counts as the sticky comment.
    github.comments.push({
      id: 5,
      issue: 8,
      repo: "contoso/edge-fleet",
      body: "quoting <!-- ase-gitops:plan --> by hand",
      user: { login: "octocat", type: "User" },
    });
    github.comments.push({ id: 6, issue: 8, repo: "contoso/edge-fleet", body: "<!-- ase-gitops:plan -->\nplan" });
    const found = await session.github.findIssueComment(repo, 8, "<!-- ase-gitops:plan -->");
    expect(found?.id).toBe(6);
  });
});

describe("sticky comment lookup", () => {
  it("finds the marker on a later page", async () => {
    const client = tokenClient();
    for (let i = 0; i < 130; i++) github.comments.push({ id: i + 1, issue: 9, repo: "contoso/edge-fleet", body: `chatter ${i}` });
    // Written with the token, so by its user (the loopback's LOOPBACK_TOKEN_USER).
    github.comments.push({
      id: 999,
      issue: 9,
      repo: "contoso/edge-fleet",
      body: "<!-- ase-gitops:plan -->\nplan",
      user: { login: LOOPBACK_TOKEN_USER, type: "User" },
    });
    const found = await client.findIssueComment(repo, 9, "<!-- ase-gitops:plan -->");
    expect(found?.id).toBe(999);
    // GET /user once (who we are), then two pages.
    expect(github.calls.filter((c) => c.method === "GET").map((c) => c.path)).toEqual([
      "/user",
      "/repos/contoso/edge-fleet/issues/9/comments",
      "/repos/contoso/edge-fleet/issues/9/comments",
    ]);
  });
});
