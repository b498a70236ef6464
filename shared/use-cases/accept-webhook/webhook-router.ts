/**
 * The webhook's core: verify, parse, route, dedupe, enqueue. No HTTP framework here; the
 * function file passes the raw body and headers in and maps the result to a response.
 * Bad input is always a 4xx; only our own storage failing is a 5xx (503, so GitHub's
 * "redeliver" button works once storage is back).
 */
import type { z } from "zod";
import type { DeliveryLog } from "../../ports/delivery-log.js";
import type { JobQueue } from "../../ports/job-queue.js";
import { type CloneUrlPolicy, CloneUrlError, cloneUrlFor } from "../../core/trust/clone-url.js";
import { type DriftJob, type PlanJob, QUEUES, type ReconcileJob, type RepositoryInfo } from "../../core/messages/jobs.js";
import { CheckRunEvent, PullRequestEvent, PushEvent, type Repository, RepositoryDispatchEvent } from "../../core/messages/webhook-payloads.js";
import { verifySignature } from "../../core/trust/webhook-signature.js";

/** GitHub caps payloads at 25 MB; anything larger is not from GitHub. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;
export const PLAN_CHECK_NAME = "ase-gitops/plan";
export const DRIFT_DISPATCH_TYPE = "drift-check";
const PLAN_ACTIONS = new Set(["opened", "synchronize", "reopened", "ready_for_review"]);

export interface WebhookDeps {
  secrets: readonly string[];
  /** owner/name of the repositories this controller serves. */
  repositories: readonly string[];
  /** Where repositories are fetched from (the payload's clone_url is not trusted). */
  cloneUrls: CloneUrlPolicy;
  deliveries: DeliveryLog;
  queue: JobQueue;
  now?: () => Date;
  log?: { info(message: string): void; warn(message: string): void };
}

export interface WebhookInput {
  rawBody: string;
  header(name: string): string | null | undefined;
}

export type WebhookOutcome =
  | "queued"
  | "duplicate"
  | "pong"
  | "noted"
  | "ignored"
  | "unauthorized"
  | "bad-request"
  | "repository-not-allowed"
  | "too-large"
  | "storage-unavailable";

export interface WebhookResult {
  status: number;
  outcome: WebhookOutcome;
  message: string;
  queue?: string;
}

type Route =
  | { kind: "enqueue"; queue: string; repository: Repository; message: PlanJob | ReconcileJob | DriftJob }
  | { kind: "noted"; reason: string; repository?: Repository }
  | { kind: "ignored"; reason: string; repository?: Repository }
  | { kind: "invalid"; reason: string };

const result = (status: number, outcome: WebhookOutcome, message: string, queue?: string): WebhookResult => ({
  status,
  outcome,
  message,
  ...(queue ? { queue } : {}),
});

export async function handleWebhook(deps: WebhookDeps, input: WebhookInput): Promise<WebhookResult> {
  if (Buffer.byteLength(input.rawBody, "utf8") > MAX_BODY_BYTES) return result(413, "too-large", "payload larger than 25 MB");
  if (!(await verifySignature(deps.secrets, input.rawBody, input.header("x-hub-signature-256")))) {
    return result(401, "unauthorized", "missing or invalid X-Hub-Signature-256");
  }
  const event = input.header("x-github-event");
  if (!event) return result(400, "bad-request", "missing X-GitHub-Event");
  let payload: unknown;
  try {
    payload = JSON.parse(input.rawBody);
  } catch {
    return result(400, "bad-request", "body is not valid JSON");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return result(400, "bad-request", "body is not a JSON object");
  if (event === "ping") return result(200, "pong", "pong");

  const deliveryId = input.header("x-github-delivery") ?? "";
  const receivedAt = (deps.now?.() ?? new Date()).toISOString();
  let route: Route;
  try {
    route = routeEvent(event, payload, deliveryId, receivedAt, deps.cloneUrls);
  } catch (error) {
    if (!(error instanceof CloneUrlError)) throw error;
    return result(400, "bad-request", error.message);
  }
  if (route.kind === "invalid") return result(400, "bad-request", route.reason);
  if (route.repository && !isAllowed(deps.repositories, route.repository.full_name)) {
    deps.log?.warn(`delivery ${deliveryId}: ${route.repository.full_name} is not in ASE_GITOPS_REPOSITORIES`);
    return result(403, "repository-not-allowed", `repository ${route.repository.full_name} is not configured for ase-gitops`);
  }
  if (route.kind === "ignored") return result(204, "ignored", route.reason);
  if (route.kind === "noted") {
    deps.log?.info(`delivery ${deliveryId}: ${route.reason}`);
    return result(200, "noted", route.reason);
  }
  const { queue, message } = route;
  if (!/^[A-Za-z0-9-]{1,100}$/.test(deliveryId)) return result(400, "bad-request", "missing or malformed X-GitHub-Delivery");

  try {
    if (!(await deps.deliveries.claim(deliveryId, event))) return result(200, "duplicate", `delivery ${deliveryId} was already received`);
  } catch (error) {
    deps.log?.warn(`delivery ${deliveryId}: cannot record the delivery: ${(error as Error).message}`);
    return result(503, "storage-unavailable", "storage unavailable; redeliver later");
  }
  try {
    await deps.queue.send(queue, message);
  } catch (error) {
    deps.log?.warn(`delivery ${deliveryId}: cannot enqueue to ${queue}: ${(error as Error).message}`);
    // Forget the claim so a redelivery is not dropped as a duplicate.
    await deps.deliveries.release(deliveryId).catch(() => undefined);
    return result(503, "storage-unavailable", "storage unavailable; redeliver later");
  }
  return result(202, "queued", `queued on ${queue}`, queue);
}

export function isAllowed(repositories: readonly string[], fullName: string): boolean {
  const wanted = fullName.toLowerCase();
  return repositories.some((repository) => repository.toLowerCase() === wanted);
}

function parse<T extends z.ZodType>(schema: T, payload: unknown, event: string): { ok: true; value: z.infer<T> } | { ok: false; route: Route } {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue ? issue.path.join(".") : "";
  return { ok: false, route: { kind: "invalid", reason: `not a valid ${event} payload${where ? ` (${where}: ${issue!.message})` : ""}` } };
}

/** Decides what an event means for us; throws CloneUrlError for a bad repository. Exported for tests. */
export function routeEvent(event: string, payload: unknown, deliveryId: string, receivedAt: string, cloneUrls: CloneUrlPolicy): Route {
  const repositoryInfo = (repository: Repository): RepositoryInfo => ({
    fullName: repository.full_name,
    cloneUrl: cloneUrlFor(cloneUrls, repository.full_name, repository.clone_url),
    defaultBranch: repository.default_branch,
  });
  const base = (repository: Repository, installation?: { id: number }) => ({
    version: 1 as const,
    deliveryId,
    receivedAt,
    repository: repositoryInfo(repository),
    ...(installation ? { installationId: installation.id } : {}),
  });
  switch (event) {
    case "pull_request": {
      const parsed = parse(PullRequestEvent, payload, event);
      if (!parsed.ok) return parsed.route;
      const e = parsed.value;
      const pr = e.pull_request;
      if (e.action === "closed") {
        return { kind: "noted", repository: e.repository, reason: `pull request #${pr.number} closed${pr.merged ? " (merged)" : ""}` };
      }
      if (!PLAN_ACTIONS.has(e.action)) return { kind: "ignored", repository: e.repository, reason: `pull_request.${e.action} needs no plan` };
      const message: PlanJob = {
        ...base(e.repository, e.installation),
        kind: "plan",
        reason: `pull_request.${e.action}`,
        pullRequest: {
          number: pr.number,
          headSha: pr.head.sha,
          headRef: pr.head.ref,
          // A fork lives on the same server: its owner/name from the payload, never its URL.
          headCloneUrl: pr.head.repo ? cloneUrlFor(cloneUrls, pr.head.repo.full_name, pr.head.repo.clone_url) : repositoryInfo(e.repository).cloneUrl,
          baseRef: pr.base.ref,
          updatedAt: pr.updated_at,
        },
      };
      return { kind: "enqueue", queue: QUEUES.plan, repository: e.repository, message };
    }
    case "push": {
      const parsed = parse(PushEvent, payload, event);
      if (!parsed.ok) return parsed.route;
      const e = parsed.value;
      if (e.ref !== `refs/heads/${e.repository.default_branch}`)
        return { kind: "ignored", repository: e.repository, reason: `push to ${e.ref} is not the default branch` };
      if (e.deleted || /^0{40}$/.test(e.after)) return { kind: "ignored", repository: e.repository, reason: "the default branch was deleted" };
      if (!/^[0-9a-f]{40}$/.test(e.after)) return { kind: "invalid", reason: "push.after is not a commit SHA" };
      const message: ReconcileJob = { ...base(e.repository, e.installation), kind: "reconcile", ref: e.ref, before: e.before, after: e.after };
      return { kind: "enqueue", queue: QUEUES.reconcile, repository: e.repository, message };
    }
    case "check_run": {
      const parsed = parse(CheckRunEvent, payload, event);
      if (!parsed.ok) return parsed.route;
      const e = parsed.value;
      if (e.action !== "rerequested" || e.check_run.name !== PLAN_CHECK_NAME) {
        return { kind: "ignored", repository: e.repository, reason: `check_run.${e.action} for ${e.check_run.name} is not ours to handle` };
      }
      const pr = e.check_run.pull_requests.find((candidate) => candidate.head.sha === e.check_run.head_sha) ?? e.check_run.pull_requests[0];
      if (!pr) return { kind: "ignored", repository: e.repository, reason: "re-run requested for a commit with no open pull request" };
      const message: PlanJob = {
        ...base(e.repository, e.installation),
        kind: "plan",
        reason: "check_run.rerequested",
        pullRequest: {
          number: pr.number,
          headSha: e.check_run.head_sha,
          headRef: pr.head.ref,
          headCloneUrl: repositoryInfo(e.repository).cloneUrl,
          baseRef: pr.base.ref,
        },
      };
      return { kind: "enqueue", queue: QUEUES.plan, repository: e.repository, message };
    }
    case "repository_dispatch": {
      const parsed = parse(RepositoryDispatchEvent, payload, event);
      if (!parsed.ok) return parsed.route;
      const e = parsed.value;
      if (e.action !== DRIFT_DISPATCH_TYPE)
        return { kind: "ignored", repository: e.repository, reason: `repository_dispatch ${e.action} is not ours` };
      const message: DriftJob = {
        ...base(e.repository, e.installation),
        kind: "drift",
        ...(e.branch ? { branch: e.branch } : {}),
        ...(e.client_payload !== undefined ? { clientPayload: e.client_payload } : {}),
      };
      return { kind: "enqueue", queue: QUEUES.drift, repository: e.repository, message };
    }
    default:
      return { kind: "ignored", reason: `event ${event} is not handled` };
  }
}
