/**
 * The device lock that spans invocations: one row per device in Table storage, written
 * with its ETag (optimistic concurrency), so two writers never both win.
 *
 * - `owner`: the commit whose apply job owns the device until it ends (converged, failed,
 *   stale...). Other commits' jobs requeue themselves. `ownerUntil` is renewed by every
 *   invocation of the owner; a dead owner's lock lapses after it.
 * - `invocation` + `heldUntil`: the one invocation working on the device right now (two
 *   deliveries of the same job never run side by side; a killed one's hold lapses).
 * - `pending`: the device operation the apply is waiting on (deployment name or
 *   async-operation URL). It belongs to the device, not to the owner: whoever owns the
 *   device next waits for it before starting anything.
 */
import type { TableClient } from "@azure/data-tables";

import { findEntity, statusOf, tableKey } from "./storage-clients.js";
import { PendingOperation } from "../../core/messages/pending-operation.js";
import type { ApplyLocks, LockRecord, LockRequest } from "../../ports/apply-locks.js";

export type { ApplyLocks, HeldLock, LockRecord, LockRequest } from "../../ports/apply-locks.js";

export { PendingOperation } from "../../core/messages/pending-operation.js";

export const APPLY_LOCKS_TABLE = "applylocks";

export type LockDecision = { take: LockRecord } | { busy: { owner?: string; working: boolean; until: number } };

/** Who gets the device: the pure rule both stores apply under their compare-and-swap. */
export function decideLock(current: LockRecord | undefined, request: LockRequest, now: number): LockDecision {
  const take = (): LockDecision => ({
    take: {
      owner: request.commit,
      ownerUntil: now + request.ownerMs,
      invocation: request.invocation,
      heldUntil: now + request.holdMs,
      ...(current?.pending ? { pending: current.pending } : {}),
    },
  });
  if (!current) return take();
  const working = current.invocation !== undefined && current.invocation !== request.invocation && current.heldUntil > now;
  if (working) return { busy: { ...(current.owner ? { owner: current.owner } : {}), working: true, until: current.heldUntil } };
  const free = !current.owner || current.owner === request.commit || current.ownerUntil <= now || request.takeOver === true;
  if (free) return take();
  return { busy: { owner: current.owner, working: false, until: current.ownerUntil } };
}

/** A row store with compare-and-swap: the only thing the two implementations differ in. */
export interface LockRows {
  get(repository: string, device: string): Promise<{ record: LockRecord; etag: string } | undefined>;
  /** Writes when the row still has `etag` (undefined: when there is no row); the new etag, or undefined when it lost. */
  put(repository: string, device: string, record: LockRecord, etag: string | undefined): Promise<string | undefined>;
}

export function createApplyLocks(rows: LockRows, clock: () => number = Date.now): ApplyLocks {
  return {
    read: async (repository, device) => (await rows.get(repository, device))?.record,
    async acquire(repository, device, request) {
      const current = await rows.get(repository, device);
      const decision = decideLock(current?.record, request, clock());
      if ("busy" in decision) return decision;
      let etag = await rows.put(repository, device, decision.take, current?.etag);
      if (etag === undefined) return { busy: { working: true, until: clock() + request.holdMs } };
      let record = decision.take;
      let held = true;
      const write = async (next: LockRecord) => {
        if (!held) return false;
        const written = await rows.put(repository, device, next, etag);
        if (written === undefined) {
          held = false;
          return false;
        }
        etag = written;
        record = next;
        return true;
      };
      return {
        lock: {
          get record() {
            return record;
          },
          get held() {
            return held;
          },
          async update(change) {
            const now = clock();
            const { pending: _old, ...rest } = record;
            const pending = change.pending === undefined ? record.pending : (change.pending ?? undefined);
            return write({ ...rest, ownerUntil: now + request.ownerMs, heldUntil: now + request.holdMs, ...(pending ? { pending } : {}) });
          },
          async release({ keepOwner }) {
            if (!held) return;
            const now = clock();
            const { owner: _o, invocation: _i, ...rest } = record;
            await write(
              keepOwner
                ? { ...rest, owner: request.commit, ownerUntil: now + request.ownerMs, heldUntil: 0 }
                : { ...rest, ownerUntil: 0, heldUntil: 0 },
            );
            held = false;
          },
        },
      };
    },
  };
}

interface LockRow {
  owner?: string;
  ownerUntil: number;
  invocation?: string;
  heldUntil: number;
  pending?: string;
}

/** The Table storage rows: partition = repository, row = device. */
export function tableLockRows(table: TableClient): LockRows {
  const keys = (repository: string, device: string) => ({ partitionKey: tableKey(repository.toLowerCase()), rowKey: tableKey(device) });
  return {
    async get(repository, device) {
      const k = keys(repository, device);
      const row = await findEntity<LockRow>(table, k.partitionKey, k.rowKey);
      if (!row) return undefined;
      let pending: PendingOperation | undefined;
      if (row.pending) {
        // Read back from storage: checked like any input before it names a URL to call.
        const parsed = PendingOperation.safeParse(JSON.parse(row.pending));
        if (parsed.success) pending = parsed.data;
      }
      return {
        etag: row.etag,
        record: {
          ...(row.owner ? { owner: row.owner } : {}),
          ownerUntil: Number(row.ownerUntil ?? 0),
          ...(row.invocation ? { invocation: row.invocation } : {}),
          heldUntil: Number(row.heldUntil ?? 0),
          ...(pending ? { pending } : {}),
        },
      };
    },
    async put(repository, device, record, etag) {
      const entity = {
        ...keys(repository, device),
        owner: record.owner ?? "",
        ownerUntil: record.ownerUntil,
        invocation: record.invocation ?? "",
        heldUntil: record.heldUntil,
        pending: record.pending ? JSON.stringify(record.pending) : "",
      };
      try {
        const response = etag === undefined ? await table.createEntity(entity) : await table.updateEntity(entity, "Replace", { etag });
        return response.etag ?? "";
      } catch (error) {
        if (statusOf(error) === 409 || statusOf(error) === 412) return undefined;
        throw error;
      }
    },
  };
}

/** In-memory rows with the same compare-and-swap (unit tests, single-process tools). */
export function memoryLockRows(): LockRows & { rows: Map<string, { record: LockRecord; etag: string }> } {
  const rows = new Map<string, { record: LockRecord; etag: string }>();
  let version = 0;
  const key = (repository: string, device: string) => `${repository.toLowerCase()}\u0000${device}`;
  return {
    rows,
    get: async (repository, device) => {
      const row = rows.get(key(repository, device));
      return row ? { record: structuredClone(row.record), etag: row.etag } : undefined;
    },
    put: async (repository, device, record, etag) => {
      const current = rows.get(key(repository, device));
      if (current?.etag !== etag) return undefined;
      const next = `v${++version}`;
      rows.set(key(repository, device), { record: structuredClone(record), etag: next });
      return next;
    },
  };
}
