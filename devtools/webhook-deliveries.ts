/**
 * Webhook deliveries in GitHub's payload shapes (trimmed to realistic fields), signed the
 * way GitHub signs them.
 */
import { createHmac, randomUUID } from "node:crypto";

export const WEBHOOK_SECRET = "test-webhook-secret-0123456789";
export const REPO = "contoso/edge-fleet";

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

export function sign(secret: string, body: string, algorithm: "sha256" | "sha1" = "sha256"): string {
  return `${algorithm}=${createHmac(algorithm, secret).update(body).digest("hex")}`;
}

export function delivery(event: string, payload: unknown, options: { secret?: string; id?: string; signature?: string | null } = {}): Delivery {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/abc1234",
    "x-github-event": event,
    "x-github-delivery": options.id ?? randomUUID(),
    "x-github-hook-id": "123456789",
    "x-github-hook-installation-target-type": "integration",
    "x-github-hook-installation-target-id": "424242",
  };
  if (options.signature !== null) headers["x-hub-signature-256"] = options.signature ?? sign(options.secret ?? WEBHOOK_SECRET, body);
  return { headers, body };
}

export function repositoryPayload(cloneUrl: string, fullName = REPO, defaultBranch = "main") {
  const [owner, name] = fullName.split("/");
  return {
    id: 987654321,
    node_id: "R_kgDOExample",
    name,
    full_name: fullName,
    private: true,
    owner: { login: owner, id: 1234, type: "Organization" },
    html_url: `https://github.com/${fullName}`,
    clone_url: cloneUrl,
    ssh_url: `git@github.com:${fullName}.git`,
    default_branch: defaultBranch,
  };
}

export interface PullRequestShape {
  action: string;
  number: number;
  cloneUrl: string;
  headSha: string;
  headRef: string;
  baseSha: string;
  baseRef?: string;
  updatedAt?: string;
  fullName?: string;
  installationId?: number;
  merged?: boolean;
}

export function pullRequestPayload(pr: PullRequestShape) {
  const repository = repositoryPayload(pr.cloneUrl, pr.fullName);
  return {
    action: pr.action,
    number: pr.number,
    pull_request: {
      url: `https://api.github.com/repos/${repository.full_name}/pulls/${pr.number}`,
      id: 55500000 + pr.number,
      number: pr.number,
      state: pr.action === "closed" ? "closed" : "open",
      locked: false,
      title: "Change device manifests",
      user: { login: "octocat", id: 1 },
      body: null,
      created_at: "2024-05-01T10:00:00Z",
      updated_at: pr.updatedAt ?? new Date().toISOString(),
      closed_at: null,
      merged_at: null,
      merged: pr.merged ?? false,
      draft: false,
      head: { label: `contoso:${pr.headRef}`, ref: pr.headRef, sha: pr.headSha, repo: repository },
      base: { label: "contoso:main", ref: pr.baseRef ?? "main", sha: pr.baseSha, repo: repository },
    },
    repository,
    organization: { login: repository.owner.login, id: 1234 },
    sender: { login: "octocat", id: 1, type: "User" },
    ...(pr.installationId ? { installation: { id: pr.installationId, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" } } : {}),
  };
}

export function pushPayload(cloneUrl: string, ref: string, before: string, after: string, fullName = REPO) {
  return {
    ref,
    before,
    after,
    created: false,
    deleted: false,
    forced: false,
    compare: `https://github.com/${fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [],
    head_commit: { id: after, message: "merge" },
    repository: repositoryPayload(cloneUrl, fullName),
    pusher: { name: "octocat" },
    sender: { login: "octocat", id: 1 },
    installation: { id: 424242 },
  };
}

export function checkRunPayload(
  cloneUrl: string,
  name: string,
  headSha: string,
  pr: { number: number; headRef: string; baseSha: string },
  action = "rerequested",
) {
  return {
    action,
    check_run: {
      id: 777,
      name,
      head_sha: headSha,
      status: "completed",
      conclusion: "failure",
      app: { id: 1, slug: "ase-gitops" },
      pull_requests: [
        {
          url: `https://api.github.com/repos/${REPO}/pulls/${pr.number}`,
          id: 1,
          number: pr.number,
          head: { ref: pr.headRef, sha: headSha, repo: { id: 1, url: "", name: "edge-fleet" } },
          base: { ref: "main", sha: pr.baseSha, repo: { id: 1, url: "", name: "edge-fleet" } },
        },
      ],
    },
    repository: repositoryPayload(cloneUrl),
    sender: { login: "octocat", id: 1 },
    installation: { id: 424242 },
  };
}

export function dispatchPayload(cloneUrl: string, eventType: string) {
  return {
    action: eventType,
    branch: "main",
    client_payload: { reason: "scheduled" },
    repository: repositoryPayload(cloneUrl),
    sender: { login: "octocat", id: 1 },
    installation: { id: 424242 },
  };
}

/** A valid manifest; `vms` lines make line numbers predictable for annotation tests. */
export function deviceManifest(
  name: string,
  options: { gpus?: 1 | 2; vms?: Array<{ name: string; size: string }>; kubernetes?: boolean; endpoint?: string } = {},
): string {
  const vms = options.vms ?? [{ name: "infer-01", size: "Standard_NC4as_T4_v3" }];
  return [
    "apiVersion: ase-gitops/v1",
    "kind: EdgeDevice",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    "  gpu:",
    `    count: ${options.gpus ?? 1}`,
    "  arm:",
    `    endpoint: ${options.endpoint ?? `https://management.${name}.contoso.com`}`,
    "    subscriptionId: 3f1c0e7a-5b2d-4c8e-9a61-0d2b7e4f9c11",
    "    resourceGroup: gpu-vms",
    "    credential: DEVICE_ARM",
    "  kubernetes:",
    `    enabled: ${options.kubernetes ?? false}`,
    "  virtualMachines:",
    ...vms.flatMap((vm) => [
      `    - name: ${vm.name}`,
      `      size: ${vm.size}`,
      "      image: ubuntu1804",
      '      os: { type: Linux, distro: rhel, version: "7.4" }',
      "      login: none",
    ]),
    "",
  ].join("\n");
}
