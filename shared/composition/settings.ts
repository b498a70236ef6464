/**
 * App settings, validated once at start-up. Every missing or wrong setting produces its own
 * line in one SettingsError, so an operator fixes them all in one pass instead of one per
 * restart. Secrets never appear in messages.
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { parseAllowList } from "../core/trust/allow-list.js";
import { serverUrlOf } from "../core/trust/clone-url.js";
import { CREDENTIAL_PREFIX_SETTING, CredentialPrefix, credentialPrefix } from "../core/manifest/credential-name.js";
import { resolveStorageConnection, type StorageConnection } from "../adapters/store/storage-connection.js";
import { ControllerError } from "../core/errors/controller-error.js";
import type { GitHubAuthSettings } from "../adapters/github/octokit-client.js";

const RepositoryName = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/name");

/** Comma- or whitespace-separated list; empty items ignored. */
const list = (value: string | undefined): string[] =>
  (value ?? "")
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter(Boolean);

/**
 * A host name, `*.domain`, or `https://host[:port]` (read as its host), as the device
 * adapters match them (shared/core/trust/allow-list.ts): one format for the whole controller.
 */
export const EndpointPattern = z
  .string()
  .regex(
    /^(https:\/\/[A-Za-z0-9.\-[\]:]+\/?|\*\.[A-Za-z0-9.-]+|[A-Za-z0-9.\-[\]:]+)$/,
    "entries must be host names, *.domain patterns or https://host URLs",
  );

const PEM = /-----BEGIN CERTIFICATE-----/;

export const RawSettings = z.object({
  GITHUB_WEBHOOK_SECRET: z.string({ error: "is required (the secret of the GitHub webhook)" }).min(16, "must be at least 16 characters"),
  GITHUB_WEBHOOK_SECRET_PREVIOUS: z.string().min(16, "must be at least 16 characters").optional(),
  GITHUB_TOKEN: z.string().min(1).optional(),
  GITHUB_APP_ID: z.string().regex(/^\d+$/, "must be the numeric GitHub App id").optional(),
  GITHUB_APP_PRIVATE_KEY: z
    .string()
    .refine((key) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.replace(/\\n/g, "\n")), "must be a PEM private key")
    .optional(),
  GITHUB_API_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).default("https://api.github.com"),
  /** Where repositories are cloned from (default: derived from GITHUB_API_URL). */
  GITHUB_SERVER_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. https://github.com" }).optional(),
  /** Development only: a webhook's local-path or file:// clone_url is fetched as given. */
  ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
  ASE_GITOPS_REPOSITORIES: z
    .string({ error: "is required (comma-separated owner/name list)" })
    .transform(list)
    .pipe(z.array(RepositoryName).min(1, "must list at least one owner/name")),
  ASE_GITOPS_ALLOWED_ENDPOINTS: z.string().default("").transform(list).pipe(z.array(EndpointPattern)),
  ASE_GITOPS_DEVICE_CA: z
    .string()
    .refine((value) => PEM.test(value) || existsSync(value), "must be PEM text or the path of an existing PEM file")
    .optional(),
  /** Only app settings whose name starts with it may be a device's spec.arm.credential. */
  [CREDENTIAL_PREFIX_SETTING]: CredentialPrefix.optional(),
  ASE_GITOPS_GIT_CACHE: z.string().min(1).default(join(tmpdir(), "ase-gitops-git")),
  /** Folder inside the fleet repository that holds the manifests ("" = the whole repository). */
  ASE_GITOPS_FLEET_PATH: z
    .string()
    .default("")
    .transform((value) => value.replace(/^\.?\/+|\/+$/g, "").replace(/^\.$/, ""))
    .refine((value) => !value.split("/").includes(".."), "must stay inside the repository"),
  /** NCRONTAB schedule of the drift timer (six fields, seconds first); empty = off. */
  ASE_GITOPS_DRIFT_SCHEDULE: z
    .string()
    .default("")
    .transform((value) => value.trim())
    .refine(
      (value) => value === "" || value.split(/\s+/).length === 6,
      "must be an NCRONTAB schedule with six fields (seconds first), e.g. 0 0 * * * *",
    ),
  /** How long POST /api/drift waits for the device checks before answering 202 with what is done. */
  ASE_GITOPS_DRIFT_WAIT_SECONDS: z
    .string()
    .default("60")
    .transform(Number)
    .pipe(z.number({ error: "must be a number of seconds" }).int().min(0).max(220, "must be at most 220 (the Functions HTTP timeout is 230 s)")),
});

/** Token or App: checked apart from the schema so it is reported even when other settings fail. */
function authProblems(env: Record<string, string | undefined>): string[] {
  const app = env.GITHUB_APP_ID !== undefined || env.GITHUB_APP_PRIVATE_KEY !== undefined;
  if (!env.GITHUB_TOKEN && !app) return ["GITHUB_TOKEN is required unless GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY are set"];
  if (app && !env.GITHUB_APP_ID) return ["GITHUB_APP_ID is required with GITHUB_APP_PRIVATE_KEY"];
  if (app && !env.GITHUB_APP_PRIVATE_KEY) return ["GITHUB_APP_PRIVATE_KEY is required with GITHUB_APP_ID"];
  return [];
}

export type { GitHubAuthSettings } from "../adapters/github/octokit-client.js";

export interface Settings {
  webhookSecrets: string[];
  githubAuth: GitHubAuthSettings;
  githubApiUrl: string;
  /** Repositories are fetched from `${githubServerUrl}/owner/name.git`, never from a payload's URL. */
  githubServerUrl: string;
  /** Development only (tests, the demo): local-path and file:// clone URLs are allowed. */
  allowLocalRepositories: boolean;
  repositories: string[];
  /** The storage account: a connection string or identity-based endpoints (AzureWebJobsStorage__*). */
  storage: StorageConnection;
  /** The AzureWebJobsStorage connection string; "" when the account is reached with an identity (use `storage`). */
  storageConnection: string;
  allowedEndpoints: string[];
  /** The device credential namespace (ASE_GITOPS_CREDENTIAL_PREFIX, default DEVICE_). */
  credentialPrefix: string;
  gitCache: string;
  fleetPath: string;
  /** Drift timer schedule; "" = off. */
  driftSchedule: string;
  driftWaitSeconds: number;
}

export class SettingsError extends ControllerError {
  readonly code = "INVALID_SETTINGS";
  /**
   * Retried: an operator fixes app settings without a new push, and the job must still be
   * there (after the last try, in the poison queue) when they have.
   */
  readonly transient = true;
  constructor(readonly problems: string[]) {
    super(`invalid app settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Reads and checks the settings; throws one SettingsError listing every problem. */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  // Empty strings mean "not set" in local.settings.json and the portal alike.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = RawSettings.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "settings");
        const message = issue.code === "invalid_type" && issue.input === undefined && !/required/.test(issue.message) ? "is required" : issue.message;
        return `${name} ${message}`;
      });
  problems.push(...authProblems(present));
  // Checked apart from the schema: a connection string, or the host's identity-based settings.
  const storage = resolveStorageConnection(present);
  problems.push(...storage.problems);
  if (!parsed.success || !storage.connection || problems.length > 0) throw new SettingsError([...new Set(problems)]);
  const raw = parsed.data;
  // App auth wins when both are configured: installation tokens are scoped and short-lived.
  const githubAuth: GitHubAuthSettings =
    raw.GITHUB_APP_ID && raw.GITHUB_APP_PRIVATE_KEY
      ? { kind: "app", appId: raw.GITHUB_APP_ID, privateKey: raw.GITHUB_APP_PRIVATE_KEY.replace(/\\n/g, "\n") }
      : { kind: "token", token: raw.GITHUB_TOKEN! };
  return {
    webhookSecrets: [raw.GITHUB_WEBHOOK_SECRET, ...(raw.GITHUB_WEBHOOK_SECRET_PREVIOUS ? [raw.GITHUB_WEBHOOK_SECRET_PREVIOUS] : [])],
    githubAuth,
    githubApiUrl: raw.GITHUB_API_URL.replace(/\/+$/, ""),
    githubServerUrl: raw.GITHUB_SERVER_URL?.replace(/\/+$/, "") ?? serverUrlOf(raw.GITHUB_API_URL),
    allowLocalRepositories: raw.ASE_GITOPS_ALLOW_LOCAL_REPOSITORIES === "true",
    repositories: raw.ASE_GITOPS_REPOSITORIES,
    storage: storage.connection,
    storageConnection: storage.connection.kind === "connectionString" ? storage.connection.connectionString : "",
    allowedEndpoints: [...parseAllowList(raw.ASE_GITOPS_ALLOWED_ENDPOINTS.join(","))],
    credentialPrefix: credentialPrefix(present),
    gitCache: raw.ASE_GITOPS_GIT_CACHE,
    fleetPath: raw.ASE_GITOPS_FLEET_PATH,
    driftSchedule: raw.ASE_GITOPS_DRIFT_SCHEDULE,
    driftWaitSeconds: raw.ASE_GITOPS_DRIFT_WAIT_SECONDS,
  };
}
