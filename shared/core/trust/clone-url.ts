/**
 * Where a repository is fetched from. A webhook payload (or an API answer) never chooses
 * the URL the controller calls with its token: the URL is the configured GitHub server +
 * `owner/name`. Only in development (ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES=true: tests, the
 * demo) is a local path or file:// URL taken as given, and only those.
 */
import { ControllerError } from "../errors/controller-error.js";

export interface CloneUrlPolicy {
  /** e.g. https://github.com, or https://HOST for GitHub Enterprise Server. */
  githubServerUrl: string;
  allowLocalRepositories: boolean;
}

export class CloneUrlError extends ControllerError {
  readonly code = "BAD_REPOSITORY";
  readonly transient = false;
}

// GitHub's own rules: owners are 1-39 letters, digits and inner hyphens; repository
// names are letters, digits, '.', '-' and '_' (never "." or "..").
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The GitHub web server of an API base URL: api.github.com -> github.com,
 * api.SUBDOMAIN.ghe.com -> SUBDOMAIN.ghe.com (GHE.com), HOST/api/v3 -> HOST (Enterprise Server).
 */
export function serverUrlOf(apiUrl: string): string {
  const url = new URL(apiUrl);
  const host = url.hostname.toLowerCase();
  if (host === "api.github.com") return "https://github.com";
  if (/^api\.[a-z0-9-]+\.ghe\.com$/.test(host)) return `https://${host.slice(4)}`;
  const path = url.pathname.replace(/\/+$/, "").replace(/\/api\/v3$/i, "");
  return `${url.protocol}//${url.host}${path}`;
}

/** Checks `owner/name` strictly; throws CloneUrlError with a one-line reason. */
export function checkRepositoryName(fullName: string): { owner: string; name: string } {
  const parts = fullName.split("/");
  const [owner, name] = parts;
  if (parts.length !== 2 || !owner || !name || !OWNER.test(owner) || !NAME.test(name) || name === "." || name === "..") {
    throw new CloneUrlError(`not a GitHub owner/name: ${JSON.stringify(fullName.slice(0, 200))}`);
  }
  return { owner, name };
}

export const isLocalUrl = (url: string): boolean => url.startsWith("/") || /^file:\/\//i.test(url) || /^[A-Za-z]:[\\/]/.test(url);

/**
 * The clone URL of `fullName`. `offered` (the payload's clone_url) is used only when it is
 * local and local repositories are allowed; a local one otherwise is refused, and any
 * other is ignored in favour of the configured server.
 */
export function cloneUrlFor(policy: CloneUrlPolicy, fullName: string, offered?: string): string {
  const { owner, name } = checkRepositoryName(fullName);
  if (offered !== undefined && isLocalUrl(offered)) {
    if (policy.allowLocalRepositories) return offered;
    throw new CloneUrlError(
      `clone URL of ${fullName} is a local path; local repositories need ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES=true (development only)`,
    );
  }
  return `${policy.githubServerUrl}/${owner}/${name}.git`;
}

/** The repository cache's last check: only the configured server, or local when allowed. */
export function isFetchAllowed(policy: CloneUrlPolicy, url: string): boolean {
  if (isLocalUrl(url)) return policy.allowLocalRepositories;
  return url.startsWith(`${policy.githubServerUrl}/`) && !url.slice(policy.githubServerUrl.length).includes("@");
}
