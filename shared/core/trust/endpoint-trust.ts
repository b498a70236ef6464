/**
 * Which devices a pull-request plan may contact. Credentials go only to endpoints read from
 * the default branch and allowed by ASE_GITOPS_ALLOWED_ENDPOINTS: a pull request can add a
 * device or change an endpoint, but it cannot make the controller call that address. Such
 * devices are planned without observed state, and the comment says why.
 */
import { code } from "../markdown/escape.js";
import type { FleetLoad, LoadedDevice } from "../manifest/load.js";
import type { ArmSpec, EdgeDevice } from "../manifest/schema.js";
import { isAllowedEndpoint } from "./allow-list.js";

export interface ObserveTarget {
  name: string;
  /** The device's ARM settings as the default branch has them (never the PR's). */
  arm: ArmSpec;
  /** The whole default-branch manifest (endpoint, credential name, resource group). */
  manifest: EdgeDevice;
  file: string;
}

export type UnobservedReason = "new-device" | "endpoint-changed" | "endpoint-not-allowed" | "no-endpoint";

export interface TrustDecision {
  targets: ObserveTarget[];
  unobserved: Array<{ name: string; reason: UnobservedReason }>;
}

/** The device adapters' rule (host names and *.domain, https only), so both agree. */
export function endpointAllowed(endpoint: string, allowed: readonly string[]): boolean {
  return endpoint.startsWith("https://") && isAllowedEndpoint(endpoint, allowed);
}

const sameEndpoint = (a: string, b: string) => {
  try {
    return new URL(a).href.replace(/\/+$/, "").toLowerCase() === new URL(b).href.replace(/\/+$/, "").toLowerCase();
  } catch {
    return false;
  }
};

/** The cloud DataBoxEdge endpoint counts as an endpoint too: a PR must not move it either. */
function cloudEndpointChanged(proposed: EdgeDevice, known: EdgeDevice): boolean {
  const a = proposed.spec.dataBoxEdge?.endpoint;
  const b = known.spec.dataBoxEdge?.endpoint;
  if (a === undefined || b === undefined) return a !== b;
  return !sameEndpoint(a, b);
}

export function decideObservation(changed: readonly LoadedDevice[], defaultBranch: FleetLoad, allowed: readonly string[]): TrustDecision {
  const trusted = new Map<string, LoadedDevice>();
  for (const device of defaultBranch.devices) trusted.set(device.manifest.metadata.name, device);
  const decision: TrustDecision = { targets: [], unobserved: [] };
  for (const device of changed) {
    const name = device.manifest.metadata.name;
    const onDefault = trusted.get(name);
    const proposed = device.manifest.spec.arm;
    const known = onDefault?.manifest.spec.arm;
    if (!onDefault) decision.unobserved.push({ name, reason: "new-device" });
    else if (!known) decision.unobserved.push({ name, reason: "no-endpoint" });
    else if ((proposed && !sameEndpoint(proposed.endpoint, known.endpoint)) || cloudEndpointChanged(device.manifest, onDefault.manifest)) {
      decision.unobserved.push({ name, reason: "endpoint-changed" });
    } else if (!endpointAllowed(known.endpoint, allowed)) decision.unobserved.push({ name, reason: "endpoint-not-allowed" });
    else decision.targets.push({ name, arm: known, manifest: onDefault.manifest, file: onDefault.file });
  }
  return decision;
}

const REASON_TEXT: Record<UnobservedReason, string> = {
  "new-device":
    "new in this pull request: planned as a new device without contacting its endpoint (endpoints are trusted only once they are on the default branch)",
  "endpoint-changed":
    "endpoint changed in this pull request: planned without contacting the new address (or the old one) until the change is on the default branch",
  "endpoint-not-allowed": "endpoint not in ASE_GITOPS_ALLOWED_ENDPOINTS: planned without observed state",
  "no-endpoint": "no `spec.arm` on the default branch: planned without observed state",
};

/** One note per reason, naming a few devices, so 3,000 new devices are still one line. */
export function trustNotes(unobserved: TrustDecision["unobserved"], shown = 8): string[] {
  const byReason = new Map<UnobservedReason, string[]>();
  for (const { name, reason } of unobserved) byReason.set(reason, [...(byReason.get(reason) ?? []), name]);
  return [...byReason].map(([reason, names]) => {
    const listed = names.slice(0, shown).map(code).join(", ");
    const more = names.length > shown ? ` and ${names.length - shown} more` : "";
    return `${names.length === 1 ? "Device" : `${names.length} devices`} ${listed}${more}: ${REASON_TEXT[reason]}.`;
  });
}
