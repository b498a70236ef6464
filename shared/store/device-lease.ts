/**
 * One lock per device: an Azure Blob lease on `device-locks/<repo>/<device>`. Held for
 * 15 s at a time (the shortest lease Blob storage grants) and renewed every 5 s while the
 * apply runs, released on every exit; if a worker dies, the lease lapses within 15 s and
 * the next job takes it.
 */
import type { ContainerClient } from "@azure/storage-blob";
import { once, statusOf } from "./storage-clients.js";

export const DEVICE_LOCKS_CONTAINER = "device-locks";
const LEASE_SECONDS = 15;

export interface DeviceLease {
  /** Stops renewing and releases the lease (safe to call twice). */
  release(): Promise<void>;
  /** False once a renewal failed: another worker may own the device now. */
  readonly held: boolean;
}

export interface DeviceLocks {
  /** The lease, or undefined when another job holds it. */
  tryAcquire(repository: string, device: string): Promise<DeviceLease | undefined>;
}

export function createDeviceLocks(container: ContainerClient, renewEveryMs = 5_000): DeviceLocks {
  const ensure = once(() => container.createIfNotExists());
  return {
    async tryAcquire(repository, device) {
      await ensure();
      const blob = container.getBlockBlobClient(`${repository.toLowerCase()}/${device}`);
      if (!(await blob.exists())) {
        await blob.upload("", 0).catch((error: unknown) => {
          // Another worker created it first, or holds a lease on it already: both fine.
          if (statusOf(error) !== 409 && statusOf(error) !== 412) throw error;
        });
      }
      const leases = blob.getBlobLeaseClient();
      try {
        await leases.acquireLease(LEASE_SECONDS);
      } catch (error) {
        if (statusOf(error) === 409) return undefined;
        throw error;
      }
      let held = true;
      const timer = setInterval(() => {
        leases.renewLease().catch(() => {
          held = false;
        });
      }, renewEveryMs);
      timer.unref();
      let released = false;
      return {
        get held() {
          return held;
        },
        async release() {
          if (released) return;
          released = true;
          clearInterval(timer);
          await leases.releaseLease().catch(() => undefined);
        },
      };
    },
  };
}
