/**
 * The repositories a drift run not started by a webhook covers (HTTP, timer): for each
 * configured repository, the App installation serving it (GitHub App auth: asked with
 * GET /repos/{owner}/{repo}/installation, since these triggers carry none) and its default
 * branch, asked from GitHub (never from the request). The clone URL is the configured
 * server's (clone-url.ts), whatever the API answers.
 */
import { type CloneUrlPolicy, cloneUrlFor } from "../../core/trust/clone-url.js";
import { type GitHubClients, parseRepoRef } from "../../ports/github.js";
import type { RepositoryTarget } from "./fan-out.js";

export async function resolveTargets(
  clients: GitHubClients,
  repositories: readonly string[],
  cloneUrls: CloneUrlPolicy,
): Promise<RepositoryTarget[]> {
  const targets: RepositoryTarget[] = [];
  for (const fullName of repositories) {
    const installationId = await clients.installationFor?.(fullName);
    const session = clients.forInstallation(installationId);
    const details = await session.github.getRepository(parseRepoRef(fullName));
    targets.push({
      repository: { fullName, cloneUrl: cloneUrlFor(cloneUrls, fullName, details.cloneUrl), defaultBranch: details.defaultBranch },
      ...(installationId !== undefined ? { installationId } : {}),
      github: session.github,
      gitToken: () => session.gitToken(),
    });
  }
  return targets;
}
