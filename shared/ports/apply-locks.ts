/** The device lock that spans invocations (adapters/store/apply-locks.ts: one Table row per device under its ETag). */
import type { PendingOperation } from "../core/messages/pending-operation.js";

export interface LockRecord {
  owner?: string;
  ownerUntil: number;
  invocation?: string;
  heldUntil: number;
  pending?: PendingOperation;
}

export interface LockRequest {
  commit: string;
  invocation: string;
  /** How long this invocation may hold the device before its hold lapses. */
  holdMs: number;
  /** How long the job owns the device without another invocation renewing it. */
  ownerMs: number;
  /** Take the device from an owner that is not working right now (a newer pushed commit). */
  takeOver?: boolean;
}

export interface HeldLock {
  readonly record: LockRecord;
  /** False once a write found the row changed under us: another invocation owns the device now. */
  readonly held: boolean;
  /** Records (or clears, with null) the pending operation and renews both leases; false when the lock was lost. */
  update(change: { pending?: PendingOperation | null }): Promise<boolean>;
  /** Ends this invocation's hold; `keepOwner` when the job comes back (requeued), else the device is free. */
  release(options: { keepOwner: boolean }): Promise<void>;
}

export interface ApplyLocks {
  acquire(
    repository: string,
    device: string,
    request: LockRequest,
  ): Promise<{ lock: HeldLock } | { busy: { owner?: string; working: boolean; until: number } }>;
  /** The device's record, for reports and tests. */
  read(repository: string, device: string): Promise<LockRecord | undefined>;
}
