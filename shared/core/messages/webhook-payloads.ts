/**
 * The parts of GitHub webhook payloads the controller reads. Loose objects: GitHub adds
 * fields all the time and we must not reject an event for that.
 */
import { z } from "zod";

export const Repository = z.looseObject({
  id: z.number().optional(),
  full_name: z.string().min(3),
  /** Never fetched as given (clone-url.ts): only a local one in development. */
  clone_url: z.string().optional(),
  default_branch: z.string().min(1),
});
export type Repository = z.infer<typeof Repository>;

export const Installation = z.looseObject({ id: z.number() });

const Sha = z.string().regex(/^[0-9a-f]{40}$/);

const PullRequestRef = z.looseObject({
  ref: z.string().min(1),
  sha: Sha,
  repo: z.looseObject({ full_name: z.string(), clone_url: z.string().optional() }).nullish(),
});

export const PullRequestEvent = z.looseObject({
  action: z.string(),
  number: z.number().int().positive(),
  repository: Repository,
  installation: Installation.optional(),
  pull_request: z.looseObject({
    number: z.number().int().positive(),
    state: z.string().optional(),
    draft: z.boolean().optional(),
    merged: z.boolean().nullish(),
    updated_at: z.string().min(1),
    head: PullRequestRef,
    base: PullRequestRef,
  }),
});
export type PullRequestEvent = z.infer<typeof PullRequestEvent>;

export const PushEvent = z.looseObject({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: Repository,
  installation: Installation.optional(),
});
export type PushEvent = z.infer<typeof PushEvent>;

export const CheckRunEvent = z.looseObject({
  action: z.string(),
  repository: Repository,
  installation: Installation.optional(),
  check_run: z.looseObject({
    id: z.number(),
    name: z.string(),
    head_sha: Sha,
    pull_requests: z
      .array(
        z.looseObject({
          number: z.number().int().positive(),
          head: z.looseObject({ ref: z.string(), sha: Sha }),
          base: z.looseObject({ ref: z.string(), sha: Sha }),
        }),
      )
      .default([]),
  }),
});
export type CheckRunEvent = z.infer<typeof CheckRunEvent>;

export const RepositoryDispatchEvent = z.looseObject({
  action: z.string(),
  branch: z.string().optional(),
  client_payload: z.unknown().optional(),
  repository: Repository,
  installation: Installation.optional(),
});
export type RepositoryDispatchEvent = z.infer<typeof RepositoryDispatchEvent>;
