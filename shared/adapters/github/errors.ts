/**
 * The one place where octokit failures become our errors. Callers switch on `code` and
 * `transient`: transient failures are rethrown so the queue redelivers with backoff,
 * terminal ones are recorded and not retried.
 */
import { ControllerError } from "../../core/errors/controller-error.js";

export type GitHubErrorCode =
  | "GITHUB_RATE_LIMITED"
  | "GITHUB_UNAVAILABLE"
  | "GITHUB_UNAUTHORIZED"
  | "GITHUB_FORBIDDEN"
  | "GITHUB_NOT_FOUND"
  | "GITHUB_INVALID_REQUEST"
  | "GITHUB_UNEXPECTED_RESPONSE"
  | "GITHUB_REQUEST_FAILED";

export class GitHubError extends ControllerError {
  constructor(
    readonly code: GitHubErrorCode,
    message: string,
    readonly transient: boolean,
    readonly status?: number,
    /** Seconds GitHub asked us to wait, when it said. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

interface RequestErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  request?: { method?: string; url?: string };
}

const isRateLimit = (status: number, headers: Record<string, string | undefined>, message: string) =>
  status === 429 || (status === 403 && (headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(message)));

/** Translates anything octokit (or fetch under it) throws; GitHubError passes through. */
export function toGitHubError(error: unknown, what: string): GitHubError {
  if (error instanceof GitHubError) return error;
  const e = (error ?? {}) as RequestErrorLike;
  const status = typeof e.status === "number" ? e.status : undefined;
  const headers = e.response?.headers ?? {};
  const detail = typeof e.message === "string" ? e.message.split("\n")[0]!.slice(0, 300) : String(error);
  const message = `${what}: ${status ? `HTTP ${status}: ` : ""}${detail}`;
  if (status === undefined || status === 500) {
    // No status: network failure, timeout or abort. All worth another try later.
    return new GitHubError(status ? "GITHUB_UNAVAILABLE" : "GITHUB_REQUEST_FAILED", message, true, status);
  }
  if (isRateLimit(status, headers, detail)) {
    const retryAfter = Number(headers["retry-after"]);
    const reset = Number(headers["x-ratelimit-reset"]);
    const wait =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter
        : Number.isFinite(reset) && reset > 0
          ? Math.max(0, reset - Date.now() / 1000)
          : undefined;
    return new GitHubError("GITHUB_RATE_LIMITED", message, true, status, wait === undefined ? undefined : Math.ceil(wait));
  }
  if (status >= 500) return new GitHubError("GITHUB_UNAVAILABLE", message, true, status);
  // An expired installation token heals on the next attempt with a fresh one.
  if (status === 401) return new GitHubError("GITHUB_UNAUTHORIZED", message, true, status);
  if (status === 403) return new GitHubError("GITHUB_FORBIDDEN", message, false, status);
  if (status === 404 || status === 410) return new GitHubError("GITHUB_NOT_FOUND", message, false, status);
  if (status === 408) return new GitHubError("GITHUB_UNAVAILABLE", message, true, status);
  return new GitHubError("GITHUB_INVALID_REQUEST", message, false, status);
}

/** Runs one GitHub call and translates its failure. */
export async function translated<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toGitHubError(error, what);
  }
}
