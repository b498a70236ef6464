/**
 * From a manifest to a DevicePort: check the manifest names an ARM endpoint, that the
 * endpoint and its token service are on the allow-list (before any secret is read), and
 * that the credential setting is in the device credential namespace and exists. With spec.dataBoxEdge the cloud endpoint must be on the
 * allow-list too: its calls carry the Azure AD token.
 */
import { credentialNameProblem, DEFAULT_CREDENTIAL_PREFIX } from "../../core/manifest/credential-name.js";
import type { EdgeDevice } from "../../core/manifest/schema.js";
import { assertAllowed } from "../../core/trust/allow-list.js";
import type { AllowList } from "../../core/trust/allow-list.js";
import { type ArmPortConfig, type ArmPortSettings, createArmDevicePort } from "./arm-port.js";
import { authorityFor } from "./credential.js";
import { DeviceError } from "./errors.js";
import { translatingPort } from "./translating-port.js";
import type { Connected, DevicePort } from "../../ports/device.js";

export type PortFactory = (config: ArmPortConfig) => DevicePort;

/** What connecting reads: the trust checks' inputs and the port's own settings. */
export interface ConnectSettings extends ArmPortSettings {
  allowList: AllowList;
  /** The device credential namespace; absent in hand-built settings: DEVICE_. */
  credentialPrefix?: string;
  /** The secret named by `spec.arm.credential`; never a setting outside the namespace. */
  secret(name: string): string | undefined;
}

export function connectDevice(manifest: EdgeDevice, settings: ConnectSettings, makePort: PortFactory = createArmDevicePort): Connected {
  const name = manifest.metadata.name;
  const arm = manifest.spec.arm;
  if (!arm) throw new DeviceError("NO_ARM_SPEC", `device ${name}: the manifest has no spec.arm, so the device cannot be reached`, false);
  const cloud = manifest.spec.dataBoxEdge;
  assertAllowed(name, [arm.endpoint, authorityFor(arm.endpoint), ...(cloud ? [cloud.endpoint] : [])], settings.allowList);
  // Refused again at use: a manifest must never name GITHUB_TOKEN or AzureWebJobsStorage.
  const outside = credentialNameProblem(arm.credential, settings.credentialPrefix ?? DEFAULT_CREDENTIAL_PREFIX);
  if (outside) throw new DeviceError("CREDENTIAL_NOT_ALLOWED", `device ${name}: spec.arm.credential: ${outside}`, false);
  const password = settings.secret(arm.credential);
  if (!password) {
    throw new DeviceError("MISSING_CREDENTIAL", `device ${name}: the setting ${arm.credential} (spec.arm.credential) is not set`, false);
  }
  const port = makePort({
    name,
    endpoint: arm.endpoint,
    subscriptionId: arm.subscriptionId,
    resourceGroup: arm.resourceGroup,
    password,
    settings,
    ...(cloud
      ? {
          dataBoxEdge: {
            endpoint: cloud.endpoint,
            subscriptionId: cloud.subscriptionId,
            resourceGroup: cloud.resourceGroup,
            name: cloud.name ?? name,
          },
        }
      : {}),
  });
  return { port: translatingPort(port, name) };
}
