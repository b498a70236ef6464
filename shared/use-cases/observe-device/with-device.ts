/** Connects to a device, runs `work` with its port, and closes the port however it ends. */
import type { EdgeDevice } from "../../core/manifest/schema.js";
import type { Connected, DeviceAccess } from "../../ports/device.js";

export async function withDevice<T>(access: DeviceAccess, manifest: EdgeDevice, work: (connected: Connected) => Promise<T>): Promise<T> {
  const connected = access.connect(manifest);
  try {
    return await work(connected);
  } finally {
    connected.port.dispose?.();
  }
}
