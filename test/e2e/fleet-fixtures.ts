/** Manifests for the end-to-end tests: small devices written out in full, as users write them. */

export function deviceManifest(name: string, gpus: 1 | 2, body: string, endpoint = `https://management.${name}.contoso.com`): string {
  return `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: ${name}
spec:
  gpu:
    count: ${gpus}
  softwareVersion: "2106"
  arm:
    endpoint: ${endpoint}
    subscriptionId: 3f1c0e7a-5b2d-4c8e-9a61-0d2b7e4f9c11
    resourceGroup: gpu-vms
    credential: DEVICE_ARM
${body}`;
}

export function vmEntry(name: string, size = "Standard_NC4as_T4_v3"): string {
  return `    - name: ${name}\n      size: ${size}\n      image: ubuntu1804\n      os: { type: Linux, distro: ubuntu, version: "18.04" }\n      login: none\n`;
}

/** A CPU VM every test device starts with: its image is then on the simulated device. */
export const GATEWAY = vmEntry("gateway", "Standard_D2_v2");

export const runningGateway = {
  virtualMachines: [{ name: "gateway", size: "Standard_D2_v2", powerState: "running", gpuExtension: "none" }],
};
