/**
 * How a plan job learns what devices look like now. The device adapters supply the real
 * one (device-observe-port.ts); `observeNothing` plans without devices and says so.
 */
import type { ObservedState } from "../core/plan/observed.js";
import type { ObserveTarget } from "../core/trust/endpoint-trust.js";

export interface ObserveResult {
  observed: ObservedState;
  /** Shown in the plan comment, e.g. devices that could not be reached. */
  notes: string[];
}

export type ObservePort = (targets: readonly ObserveTarget[]) => Promise<ObserveResult>;

export const observeNothing: ObservePort = async (targets) => ({
  observed: { devices: {} },
  notes:
    targets.length > 0
      ? [
          `Observed state not read: device observation is turned off here, so ${targets.length === 1 ? "the device is" : `all ${targets.length} devices are`} planned as if new (no VMs, Kubernetes not configured).`,
        ]
      : [],
});
