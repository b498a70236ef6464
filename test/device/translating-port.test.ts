import { describe, expect, it } from "vitest";
import { connectDevice } from "../../shared/adapters/device/connect.js";
import { DeviceError } from "../../shared/core/errors/device-error.js";
import { deviceSettingsFromEnv } from "../../shared/composition/device-settings.js";
import type { DevicePort } from "../../shared/ports/device.js";
import type { EdgeDevice } from "../../shared/core/manifest/schema.js";

const manifest = {
  apiVersion: "ase-gitops/v1",
  kind: "EdgeDevice",
  metadata: { name: "dev1" },
  spec: {
    gpu: { model: "T4", count: 1 },
    kubernetes: { enabled: false },
    vms: [],
    arm: { endpoint: "https://management.dev1.example.com", subscriptionId: "s", resourceGroup: "rg", credential: "DEVICE_DEV1" },
  },
} as unknown as EdgeDevice;

const settings = deviceSettingsFromEnv({ ASE_GITOPS_ALLOWED_ENDPOINTS: "https://*.example.com", DEVICE_DEV1: "pw" });

/** A port whose every call fails the way the SDKs do underneath: raw errors, not ours. */
function rawFailingPort(): DevicePort {
  const reset = () => Promise.reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
  return new Proxy({ name: "dev1" } as DevicePort, {
    get: (target, key) => (key === "name" ? target.name : key === "dispose" ? () => undefined : reset),
  });
}

describe("the device adapter's error boundary", () => {
  it("turns what an opened port rejects with into DeviceErrors, named for the device", async () => {
    const { port } = connectDevice(manifest, settings, () => rawFailingPort());
    const error = await port.listVms().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeviceError);
    expect(error).toMatchObject({ code: "NETWORK_ERROR", transient: true, message: expect.stringMatching(/^dev1: socket hang up/) });
    await expect(port.configureKubernetes()).rejects.toBeInstanceOf(DeviceError);
    expect(port.name).toBe("dev1");
  });

  it("connects with the overrides of a settings object spread over the defaults", () => {
    const strict = { ...settings, allowList: deviceSettingsFromEnv({ ASE_GITOPS_ALLOWED_ENDPOINTS: "https://*.other.example" }).allowList };
    expect(() => strict.connect(manifest)).toThrow(expect.objectContaining({ code: "ENDPOINT_NOT_ALLOWED" }));
    settings.connect(manifest).port.dispose?.();
  });
});
