/**
 * A loopback HTTP server speaking the subset of the GitHub REST API the controller uses,
 * for tests and the demo (nothing here talks to GitHub).
 * Octokit is pointed at it with baseUrl. It keeps comments and check runs in memory,
 * enforces GitHub's limits (65,536-character comments, 50 annotations per request), can
 * be told to fail the next matching requests (rate limits, 5xx), and records every call;
 * a call it does not know is answered 404 and listed in `unexpected` so the test fails.
 *
 * Authorship is modelled as GitHub does it: the caller is told by its Authorization
 * header. An App JWT (`bearer <jwt>`) may only call the App endpoints (GET /app,
 * GET /repos/{owner}/{repo}/installation, access tokens); an installation token writes as
 * the App's bot `ase-gitops[bot]`; any other token writes as its user (`tokenUsers`, else
 * LOOPBACK_TOKEN_USER), which GET /user returns. Comments and issues carry that `user`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  status: number;
  authorization?: string;
}

export interface FakeUser {
  login: string;
  type: "Bot" | "User";
}

/** The loopback App's slug; its installation tokens write as `${LOOPBACK_APP_SLUG}[bot]`. */
export const LOOPBACK_APP_SLUG = "ase-gitops";
export const LOOPBACK_APP_BOT: FakeUser = { login: `${LOOPBACK_APP_SLUG}[bot]`, type: "Bot" };
/** Who a personal token not listed in `tokenUsers` belongs to. */
export const LOOPBACK_TOKEN_USER = "fleet-operator";

export interface FakeComment {
  id: number;
  issue: number;
  repo: string;
  body: string;
  /** Who wrote it; default the App's bot. */
  user?: FakeUser;
}

export interface FakeCheckRun {
  id: number;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion?: string;
  external_id?: string;
  output: { title?: string; summary?: string; text?: string };
  annotations: Array<{ path: string; start_line: number; end_line: number; annotation_level: string; message: string; title?: string }>;
  /** Status history, e.g. ["in_progress", "completed"]. */
  history: string[];
}

export interface FakePullRequest {
  repo: string;
  number: number;
  head_sha: string;
  merge_commit_sha?: string;
  state: "open" | "closed";
  merged: boolean;
}

export interface FakeIssue {
  repo: string;
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  state_reason?: string | null;
  labels: string[];
  /** Who opened it; default the App's bot. */
  user?: FakeUser;
  /** Title/body/state history, newest last (tests check "updated in place"). */
  edits: number;
}

export interface FakeRepository {
  fullName: string;
  cloneUrl: string;
  defaultBranch: string;
  installationId?: number;
}

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Fault {
  method: string;
  path: RegExp;
  responses: CannedResponse[];
}

export interface FakeGitHub {
  url: string;
  calls: RecordedCall[];
  unexpected: RecordedCall[];
  comments: FakeComment[];
  checkRuns: FakeCheckRun[];
  pullRequests: FakePullRequest[];
  issues: FakeIssue[];
  /** Registers a repository (for GET /repos/{owner}/{repo} and its installation). */
  addRepository(repository: FakeRepository): void;
  /** Registers a pull request (for commits/{sha}/pulls). */
  addPullRequest(pr: Omit<FakePullRequest, "state" | "merged"> & Partial<Pick<FakePullRequest, "state" | "merged">>): FakePullRequest;
  /** The next requests matching method+path get these responses, in order. */
  failNext(method: string, path: RegExp, ...responses: CannedResponse[]): void;
  /** Calls that change something (POST/PATCH/PUT/DELETE), excluding token creation. */
  writes(): RecordedCall[];
  reset(): void;
  close(): Promise<void>;
}

const COMMENT_LIMIT = 65_536;
const TEXT_LIMIT = 65_535;

export interface FakeGitHubOptions {
  perPage?: number;
  /** Personal tokens and the login they belong to (others: LOOPBACK_TOKEN_USER). */
  tokenUsers?: Record<string, string>;
}

type Caller = { kind: "app" } | { kind: "installation"; id: number; user: FakeUser } | { kind: "token"; user: FakeUser } | { kind: "anonymous" };

/** Who is calling, from the Authorization header, the way GitHub tells. */
function callerOf(authorization: string | undefined, tokenUsers: Record<string, string>): Caller {
  const [scheme, credential] = (authorization ?? "").split(/\s+/, 2);
  if (!scheme || !credential) return { kind: "anonymous" };
  if (/^bearer$/i.test(scheme) && credential.split(".").length === 3) return { kind: "app" };
  const installation = /^ghs_installation_(\d+)$/.exec(credential);
  if (installation) return { kind: "installation", id: Number(installation[1]), user: LOOPBACK_APP_BOT };
  const login = Object.prototype.hasOwnProperty.call(tokenUsers, credential) ? tokenUsers[credential]! : LOOPBACK_TOKEN_USER;
  return { kind: "token", user: { login, type: "User" } };
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  let nextId = 1000;
  const state = {
    calls: [] as RecordedCall[],
    unexpected: [] as RecordedCall[],
    comments: [] as FakeComment[],
    checkRuns: [] as FakeCheckRun[],
    pullRequests: [] as FakePullRequest[],
    issues: [] as FakeIssue[],
    repositories: [] as FakeRepository[],
    faults: [] as Fault[],
  };
  const issueJson = (issue: FakeIssue) => ({
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    state_reason: issue.state_reason ?? null,
    labels: issue.labels.map((name) => ({ name })),
    user: issue.user ?? LOOPBACK_APP_BOT,
  });
  const origin = () => `http://127.0.0.1:${(server.address() as AddressInfo | null)?.port ?? 0}`;
  const checkRunUrl = (run: FakeCheckRun) => `${origin()}/${run.repo}/runs/${run.id}`;

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    const payload = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "x-ratelimit-remaining": "4999", ...headers });
    res.end(payload);
    return status;
  }

  const validation = (message: string) => ({
    message: "Validation Failed",
    errors: [{ message }],
    documentation_url: "https://docs.github.com/rest",
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const path = url.pathname;
    const body = await readJson(req);
    const call: RecordedCall = { method, path, body, status: 0, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) };
    state.calls.push(call);

    const fault = state.faults.find((f) => f.method === method && f.path.test(path) && f.responses.length > 0);
    if (fault) {
      const canned = fault.responses.shift()!;
      call.status = send(res, canned.status, canned.body ?? { message: `canned ${canned.status}` }, canned.headers);
      return;
    }
    call.status = route(method, path, url, body, res, callerOf(req.headers.authorization, options.tokenUsers ?? {}));
  }

  const jwtOnly = (res: ServerResponse) =>
    send(res, 401, { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest" });

  function route(method: string, path: string, url: URL, body: unknown, res: ServerResponse, caller: Caller): number {
    let m: RegExpMatchArray | null;
    const b = (body ?? {}) as Record<string, unknown>;
    // App endpoints take the App's JWT and nothing else.
    const appRoute = /^\/app(\/|$)/.test(path) || /^\/repos\/[^/]+\/[^/]+\/installation$/.test(path);
    if (appRoute && caller.kind !== "app") return jwtOnly(res);
    if (!appRoute && caller.kind === "app") {
      return send(res, 401, {
        message: "'Authorization' header is a JWT: this endpoint needs an installation token",
        documentation_url: "https://docs.github.com/rest",
      });
    }
    if (caller.kind === "anonymous" && method !== "GET")
      return send(res, 401, { message: "Requires authentication", documentation_url: "https://docs.github.com/rest" });
    const author: FakeUser | undefined = caller.kind === "installation" || caller.kind === "token" ? caller.user : undefined;
    if (method === "POST" && (m = path.match(/^\/app\/installations\/(\d+)\/access_tokens$/))) {
      return send(res, 201, {
        token: `ghs_installation_${m[1]}`,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: {},
        repository_selection: "all",
      });
    }
    if (method === "GET" && path === "/app") {
      return send(res, 200, {
        id: 1,
        slug: LOOPBACK_APP_SLUG,
        name: LOOPBACK_APP_SLUG,
        owner: { login: "contoso", type: "Organization" },
        permissions: { checks: "write", contents: "read", issues: "write", pull_requests: "write" },
        events: ["pull_request", "push", "check_run", "repository_dispatch"],
      });
    }
    if (method === "GET" && path === "/user") {
      // GitHub: an installation token is not a user ("Resource not accessible by integration").
      if (caller.kind !== "token")
        return send(res, 403, {
          message: "Resource not accessible by integration",
          documentation_url: "https://docs.github.com/rest/users/users#get-the-authenticated-user",
        });
      return send(res, 200, { login: caller.user.login, id: 1, type: "User" });
    }
    if (method === "GET" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
      const repo = `${m[1]}/${m[2]}`;
      const issue = Number(m[3]);
      const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), options.perPage ?? 100);
      const page = Number(url.searchParams.get("page") ?? 1);
      const all = state.comments.filter((c) => c.repo === repo && c.issue === issue);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        headers.link = `<${server.address() ? `http://127.0.0.1:${(server.address() as AddressInfo).port}` : ""}${path}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
      }
      return send(
        res,
        200,
        slice.map((c) => ({ id: c.id, body: c.body, user: c.user ?? LOOPBACK_APP_BOT })),
        headers,
      );
    }
    if (method === "POST" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
      const text = String(b.body ?? "");
      if (text.length > COMMENT_LIMIT) return send(res, 422, validation("body is too long (maximum is 65536 characters)"));
      const comment: FakeComment = { id: nextId++, issue: Number(m[3]), repo: `${m[1]}/${m[2]}`, body: text, ...(author ? { user: author } : {}) };
      state.comments.push(comment);
      return send(res, 201, { id: comment.id, body: comment.body, user: comment.user ?? LOOPBACK_APP_BOT });
    }
    if (method === "PATCH" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/))) {
      const comment = state.comments.find((c) => c.id === Number(m![3]) && c.repo === `${m![1]}/${m![2]}`);
      if (!comment) return send(res, 404, { message: "Not Found" });
      const text = String(b.body ?? "");
      if (text.length > COMMENT_LIMIT) return send(res, 422, validation("body is too long (maximum is 65536 characters)"));
      comment.body = text;
      return send(res, 200, { id: comment.id, body: comment.body });
    }
    if (method === "POST" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/check-runs$/))) {
      if (typeof b.name !== "string" || typeof b.head_sha !== "string") return send(res, 422, validation("name and head_sha are required"));
      const problem = checkOutput(b.output);
      if (problem) return send(res, 422, validation(problem));
      const status = typeof b.conclusion === "string" ? "completed" : String(b.status ?? "queued");
      const run: FakeCheckRun = {
        id: nextId++,
        repo: `${m[1]}/${m[2]}`,
        name: b.name,
        head_sha: b.head_sha,
        status,
        ...(typeof b.conclusion === "string" ? { conclusion: b.conclusion } : {}),
        ...(typeof b.external_id === "string" ? { external_id: b.external_id } : {}),
        output: {},
        annotations: [],
        history: [status],
      };
      applyOutput(run, b.output);
      state.checkRuns.push(run);
      return send(res, 201, { id: run.id, name: run.name, head_sha: run.head_sha, status: run.status, html_url: checkRunUrl(run) });
    }
    if (method === "GET" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{40})\/check-runs$/))) {
      const name = url.searchParams.get("check_name");
      const runs = state.checkRuns
        .filter((r) => r.repo === `${m![1]}/${m![2]}` && r.head_sha === m![3] && (!name || r.name === name))
        .reverse()
        .map((r) => ({
          id: r.id,
          name: r.name,
          head_sha: r.head_sha,
          status: r.status,
          conclusion: r.conclusion ?? null,
          external_id: r.external_id ?? null,
        }));
      return send(res, 200, { total_count: runs.length, check_runs: runs });
    }
    if (method === "GET" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{40})\/pulls$/))) {
      const prs = state.pullRequests
        .filter((pr) => pr.repo === `${m![1]}/${m![2]}` && (pr.head_sha === m![3] || pr.merge_commit_sha === m![3]))
        .map((pr) => ({
          number: pr.number,
          state: pr.state,
          merged_at: pr.merged ? new Date().toISOString() : null,
          head: { sha: pr.head_sha },
          merge_commit_sha: pr.merge_commit_sha ?? null,
        }));
      return send(res, 200, prs);
    }
    if (method === "PATCH" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/))) {
      const run = state.checkRuns.find((r) => r.id === Number(m![3]) && r.repo === `${m![1]}/${m![2]}`);
      if (!run) return send(res, 404, { message: "Not Found" });
      const problem = checkOutput(b.output);
      if (problem) return send(res, 422, validation(problem));
      if (typeof b.conclusion === "string") {
        run.conclusion = b.conclusion;
        run.status = "completed";
        run.history.push("completed");
      } else if (typeof b.status === "string" && b.status !== run.status) {
        run.status = b.status;
        run.history.push(b.status);
      }
      applyOutput(run, b.output);
      return send(res, 200, { id: run.id, status: run.status, conclusion: run.conclusion ?? null });
    }
    if (method === "GET" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)$/))) {
      const repo = state.repositories.find((r) => r.fullName === `${m![1]}/${m![2]}`);
      if (!repo) return send(res, 404, { message: "Not Found" });
      return send(res, 200, { full_name: repo.fullName, clone_url: repo.cloneUrl, default_branch: repo.defaultBranch, private: true });
    }
    if (method === "GET" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/installation$/))) {
      const repo = state.repositories.find((r) => r.fullName === `${m![1]}/${m![2]}`);
      if (!repo?.installationId)
        return send(res, 404, {
          message: "Not Found",
          documentation_url: "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app",
        });
      // The installation object of GET /repos/{owner}/{repo}/installation.
      const account = { login: m[1], id: 1234, type: "Organization" };
      const id = repo.installationId;
      return send(res, 200, {
        id,
        account,
        repository_selection: "selected",
        access_tokens_url: `${origin()}/app/installations/${id}/access_tokens`,
        repositories_url: `${origin()}/installation/repositories`,
        html_url: `${origin()}/organizations/${m[1]}/settings/installations/${id}`,
        app_id: 1,
        app_slug: LOOPBACK_APP_SLUG,
        target_id: account.id,
        target_type: account.type,
        permissions: { checks: "write", contents: "read", issues: "write", pull_requests: "write", metadata: "read" },
        events: ["pull_request", "push", "check_run", "repository_dispatch"],
        created_at: "2024-01-01T00:00:00Z",
        updated_at: "2024-01-01T00:00:00Z",
        single_file_name: null,
        suspended_at: null,
        suspended_by: null,
      });
    }
    if (method === "GET" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues$/))) {
      const repo = `${m[1]}/${m[2]}`;
      const labels = (url.searchParams.get("labels") ?? "").split(",").filter(Boolean);
      const wanted = url.searchParams.get("state") ?? "open";
      const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), options.perPage ?? 100);
      const page = Number(url.searchParams.get("page") ?? 1);
      const all = state.issues.filter(
        (i) => i.repo === repo && (wanted === "all" || i.state === wanted) && labels.every((l) => i.labels.includes(l)),
      );
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length)
        headers.link = `<${origin()}${path}?labels=${labels.join(",")}&state=${wanted}&per_page=${perPage}&page=${page + 1}>; rel="next"`;
      return send(res, 200, slice.map(issueJson), headers);
    }
    if (method === "POST" && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues$/))) {
      const repo = `${m[1]}/${m[2]}`;
      if (typeof b.title !== "string" || !b.title) return send(res, 422, validation("title is required"));
      const text = String(b.body ?? "");
      if (text.length > COMMENT_LIMIT) return send(res, 422, validation("body is too long (maximum is 65536 characters)"));
      const number = state.issues.filter((i) => i.repo === repo).length + 1;
      const issue: FakeIssue = {
        repo,
        number,
        title: b.title,
        body: text,
        state: "open",
        labels: Array.isArray(b.labels) ? b.labels.map(String) : [],
        edits: 0,
        ...(author ? { user: author } : {}),
      };
      state.issues.push(issue);
      return send(res, 201, issueJson(issue));
    }
    if ((method === "GET" || method === "PATCH") && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/))) {
      const issue = state.issues.find((i) => i.repo === `${m![1]}/${m![2]}` && i.number === Number(m![3]));
      if (!issue) return send(res, 404, { message: "Not Found" });
      if (method === "PATCH") {
        if (typeof b.body === "string" && b.body.length > COMMENT_LIMIT)
          return send(res, 422, validation("body is too long (maximum is 65536 characters)"));
        if (typeof b.title === "string") issue.title = b.title;
        if (typeof b.body === "string") issue.body = b.body;
        if (b.state === "open" || b.state === "closed") {
          issue.state = b.state;
          issue.state_reason = b.state === "closed" ? String(b.state_reason ?? "completed") : "reopened";
        }
        issue.edits++;
      }
      return send(res, 200, issueJson(issue));
    }
    const call = state.calls[state.calls.length - 1]!;
    state.unexpected.push(call);
    return send(res, 404, { message: `fake GitHub: unexpected ${method} ${path}` });
  }

  function checkOutput(output: unknown): string | undefined {
    if (output === undefined) return undefined;
    const o = output as Record<string, unknown>;
    if (typeof o.title !== "string" || typeof o.summary !== "string") return "output.title and output.summary are required";
    if (o.summary.length > TEXT_LIMIT) return "output.summary is too long";
    if (typeof o.text === "string" && o.text.length > TEXT_LIMIT) return "output.text is too long";
    if (Array.isArray(o.annotations) && o.annotations.length > 50) return "only 50 annotations per request";
    for (const a of (o.annotations ?? []) as Array<Record<string, unknown>>) {
      if (typeof a.path !== "string" || typeof a.start_line !== "number" || typeof a.end_line !== "number" || typeof a.message !== "string")
        return "annotation path, start_line, end_line and message are required";
      if (!["notice", "warning", "failure"].includes(String(a.annotation_level))) return "annotation_level must be notice, warning or failure";
    }
    return undefined;
  }

  function applyOutput(run: FakeCheckRun, output: unknown) {
    if (!output) return;
    const o = output as Record<string, unknown> & { annotations?: FakeCheckRun["annotations"] };
    run.output = {
      title: o.title as string,
      summary: o.summary as string,
      ...(typeof o.text === "string" ? { text: o.text } : run.output.text ? { text: run.output.text } : {}),
    };
    run.annotations.push(...(o.annotations ?? []));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get calls() {
      return state.calls;
    },
    get unexpected() {
      return state.unexpected;
    },
    get comments() {
      return state.comments;
    },
    get checkRuns() {
      return state.checkRuns;
    },
    get pullRequests() {
      return state.pullRequests;
    },
    get issues() {
      return state.issues;
    },
    addRepository(repository) {
      state.repositories = [...state.repositories.filter((r) => r.fullName !== repository.fullName), repository];
    },
    addPullRequest(pr) {
      const full: FakePullRequest = { state: "open", merged: false, ...pr };
      state.pullRequests.push(full);
      return full;
    },
    failNext(method, path, ...responses) {
      state.faults.push({ method, path, responses });
    },
    writes() {
      return state.calls.filter((c) => c.method !== "GET" && !/\/access_tokens$/.test(c.path) && c.status < 400);
    },
    reset() {
      state.calls.length = 0;
      state.unexpected.length = 0;
      state.comments.length = 0;
      state.checkRuns.length = 0;
      state.pullRequests.length = 0;
      state.issues.length = 0;
      state.faults.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
