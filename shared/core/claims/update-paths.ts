/**
 * Mandatory intermediate releases (domain.md §8). Source: the Azure Stack Edge Pro GPU release
 * notes for 2501, 2510 (3.3.2510.2170, Nov 2025), 2604 (3.3.2604.3097, May 2026) and 2607
 * (3.3.2607.3535, Aug 2026): "Update package can't be installed as its dependencies aren't met"
 * unless the device already runs the release named here. Releases the table does not list and
 * that are older than its first entry were not gated by those notes: one direct hop, as before.
 * Pure: the planner and the simulator both read it.
 */
import { compareReleases } from "./model.js";

export interface ReleaseRequirement {
  release: string;
  /** The device must run this release or a later one before installing `release`. */
  requires: string;
  /** Multi-node devices cannot install it (2604 deprecated multi-node updates). */
  singleNodeOnly?: boolean;
}

export const UPDATE_REQUIREMENTS: readonly ReleaseRequirement[] = [
  { release: "2501", requires: "2403" },
  { release: "2510", requires: "2501" },
  { release: "2604", requires: "2510", singleNodeOnly: true },
  { release: "2607", requires: "2510", singleNodeOnly: true },
];

/** The newest release multi-node devices may run. */
export const LAST_MULTI_NODE_RELEASE = "2510";

/** The oldest release the table speaks about: updates to it or older are one direct hop. */
const FIRST_GATED = UPDATE_REQUIREMENTS[0]!.requires;

export type UpdatePath =
  { ok: true; hops: string[] } | { ok: false; code: "UPDATE_PATH_UNKNOWN" | "UPDATE_NOT_SUPPORTED_MULTI_NODE"; reason: string; known: string };

/** The known chain to `to`, from the table's first release: "2403 -> 2501 -> 2510 -> 2607". */
export function knownPathTo(to: string): string {
  const chain: string[] = [];
  let cursor: string | undefined = to;
  while (cursor) {
    chain.unshift(cursor);
    const need: ReleaseRequirement | undefined = UPDATE_REQUIREMENTS.find((r) => r.release === cursor);
    cursor = need?.requires;
  }
  return chain.length > 1 ? chain.join(" -> ") : UPDATE_REQUIREMENTS.map((r) => r.release).reduce((path, r) => `${path} -> ${r}`, FIRST_GATED);
}

/** The releases to install, in order, to go from `from` to the newer `to`. */
export function updatePath(from: string, to: string, nodes: number = 1): UpdatePath {
  if (nodes > 1 && compareReleases(to, LAST_MULTI_NODE_RELEASE) > 0) {
    return {
      ok: false,
      code: "UPDATE_NOT_SUPPORTED_MULTI_NODE",
      reason: `release ${to} cannot be installed on a ${nodes}-node device: 2604 deprecated multi-node updates, so multi-node devices stay on ${LAST_MULTI_NODE_RELEASE} or earlier`,
      known: knownPathTo(LAST_MULTI_NODE_RELEASE),
    };
  }
  const hops: string[] = [];
  let target = to;
  for (;;) {
    if (compareReleases(from, target) >= 0) break;
    const need = UPDATE_REQUIREMENTS.find((r) => r.release === target);
    if (!need) {
      if (compareReleases(target, FIRST_GATED) <= 0) {
        hops.unshift(target);
        break;
      }
      return {
        ok: false,
        code: "UPDATE_PATH_UNKNOWN",
        reason: `no known update path from ${from} to ${to}: release ${target} is not in the table of mandatory intermediate releases`,
        known: knownPathTo(UPDATE_REQUIREMENTS[UPDATE_REQUIREMENTS.length - 1]!.release),
      };
    }
    hops.unshift(target);
    if (compareReleases(from, need.requires) >= 0) break;
    target = need.requires;
  }
  return { ok: true, hops };
}

/** The next release a device on `from` can install on its way to `to` (the simulator's offer). */
export function nextHop(from: string | undefined, to: string): string {
  if (from === undefined) return to;
  const path = updatePath(from, to);
  return path.ok && path.hops.length > 0 ? path.hops[0]! : to;
}
