/**
 * Device credentials live in a namespace of their own: only app settings whose name starts with
 * a configured prefix may be named by `spec.arm.credential` (and VM admin passwords). Otherwise
 * a manifest could name GITHUB_TOKEN or AzureWebJobsStorage and have it sent to a device.
 * Pure: the manifest loader checks it at plan time, the device adapter again at use.
 */
import { z } from "zod";

export const CREDENTIAL_PREFIX_SETTING = "ASE_GITOPS_CREDENTIAL_PREFIX";
export const DEFAULT_CREDENTIAL_PREFIX = "DEVICE_";

/**
 * Where the controller's own secrets and the platform's settings live: a credential prefix
 * that overlaps one of these would let a manifest name them again (GITHUB_TOKEN, ...).
 */
const RESERVED_PREFIXES = ["GITHUB_", "ASE_GITOPS_", "AzureWebJobs", "FUNCTIONS_", "WEBSITE_", "AZURE_", "IDENTITY_", "MSI_", "APPSETTING_"];

/** Why `prefix` cannot be the device credential namespace, or undefined when it can. */
export function credentialPrefixProblem(prefix: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) return "must be the start of an app setting name (letters, digits, '_'), e.g. DEVICE_";
  const lower = prefix.toLowerCase();
  const clash = RESERVED_PREFIXES.find((r) => r.toLowerCase().startsWith(lower) || lower.startsWith(r.toLowerCase()));
  return clash ? `must not overlap the controller's own settings (${clash}...): a manifest could then name them; use e.g. DEVICE_` : undefined;
}

/** What ASE_GITOPS_CREDENTIAL_PREFIX may be. */
export const CredentialPrefix = z.string().superRefine((prefix, ctx) => {
  const problem = credentialPrefixProblem(prefix);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** The prefix in force for an env-like settings object (empty or unset: the default). */
export function credentialPrefix(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env[CREDENTIAL_PREFIX_SETTING]?.trim();
  return configured ? configured : DEFAULT_CREDENTIAL_PREFIX;
}

/** Why `name` may not be used as a device credential, or undefined when it may. */
export function credentialNameProblem(name: string, prefix: string = DEFAULT_CREDENTIAL_PREFIX): string | undefined {
  if (name.startsWith(prefix) && name.length > prefix.length) return undefined;
  if (name === prefix)
    return `credential "${name}" is only the device credential prefix (${CREDENTIAL_PREFIX_SETTING}); name a setting such as "${prefix}STORE017_ARM"`;
  return (
    `credential "${name}" is outside the device credential namespace: only app settings whose name starts with ` +
    `"${prefix}" (${CREDENTIAL_PREFIX_SETTING}) may be named; rename the setting to "${prefix}${name}" and name that`
  );
}
