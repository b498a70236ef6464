/**
 * The repositories a drift run not started by a webhook covers (HTTP, timer): for each
 * configured repository, the App installation serving it, its clone URL and default
 * branch, asked from GitHub (never from the request).
 */
import type { GitHubClients } from "../github/octokit-client.js";
import { parseRepoRef } from "../github/port.js";
import { driftGitHub } from "./drift-issue.js";
import { DriftError } from "./errors.js";
import type { RepositoryTarget } from "./fan-out.js";

export async function resolveTargets(clients: GitHubClients, repositories: readonly string[]): Promise<RepositoryTarget[]> {
  const targets: RepositoryTarget[] = [];
  for (const fullName of repositories) {
    const installationId = await clients.installationFor?.(fullName);
    const session = clients.forInstallation(installationId);
    if (!session.github.getRepository) throw new DriftError("DRIFT_GITHUB_UNSUPPORTED", "this GitHub client cannot read repositories");
    const details = await session.github.getRepository(parseRepoRef(fullName));
    targets.push({
      repository: { fullName, cloneUrl: details.cloneUrl, defaultBranch: details.defaultBranch },
      ...(installationId !== undefined ? { installationId } : {}),
      github: driftGitHub(session.github),
      gitToken: () => session.gitToken(),
    });
  }
  return targets;
}
