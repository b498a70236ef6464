/** Fleet repositories as the use cases see them: fetch, read at a commit, worktrees (adapters/git/repo-cache.ts: bare repositories and simple-git). */
import { ControllerError } from "../core/errors/controller-error.js";
import type { FleetLoad, LoadFleetOptions } from "../core/manifest/load.js";

export class GitError extends ControllerError {
  constructor(
    readonly code: "GIT_FETCH_FAILED" | "GIT_BAD_URL" | "GIT_COMMIT_MISSING" | "GIT_FAILED" | "GIT_MISSING",
    message: string,
    /** Network and lock failures heal; a missing commit or bad URL does not. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

export interface FetchSpec {
  /** Where to fetch from: a URL on the configured GitHub server (file:// or a local path in development). */
  url: string;
  /** Refspecs, e.g. `+refs/heads/main:refs/remotes/base/main`. */
  refspecs: string[];
  /** Sent as basic auth to https URLs only. */
  token?: string;
}

export interface Worktree {
  path: string;
  dispose(): Promise<void>;
}

export interface CachedRepo {
  readonly dir: string;
  fetch(spec: FetchSpec): Promise<void>;
  hasCommit(rev: string): Promise<boolean>;
  resolve(rev: string): Promise<string>;
  mergeBase(a: string, b: string): Promise<string | undefined>;
  /** `git diff --name-status -z -M` between two commits. */
  diffNameStatus(from: string, to: string, paths?: string[]): Promise<string>;
  /** A file's text at a commit, or undefined when the file is not there. */
  show(rev: string, path: string): Promise<string | undefined>;
  /** A detached checkout of `rev` in a new temporary folder. */
  worktree(rev: string): Promise<Worktree>;
}

export interface RepoCache {
  open(fullName: string): Promise<CachedRepo>;
  /**
   * The manifests under a folder of a checkout (a worktree's path, or inside it): bad files
   * are INVALID_MANIFEST entries; a folder that does not exist is a FleetPathError.
   */
  loadFleet(root: string, options?: LoadFleetOptions): Promise<FleetLoad>;
}
