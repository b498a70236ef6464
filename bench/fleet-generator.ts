/** Writes a synthetic fleet for benchmarks: two VMs per device, mixed sizes, a third with Kubernetes. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

const GPU_SIZES = ["Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3", "Standard_NC16as_T4_v3", "Standard_F4s_HPN_T4_v3"];
const CPU_SIZES = ["Standard_D2_v2", "Standard_DS3_v2", "Standard_F8s", "Standard_F4"];

export function deviceManifest(index: number): string {
  const name = `store-${String(index).padStart(5, "0")}`;
  const gpus = index % 2 === 0 ? 2 : 1;
  const kubernetes = index % 3 === 0;
  const second = gpus === 2 ? GPU_SIZES[(index + 1) % GPU_SIZES.length] : CPU_SIZES[index % CPU_SIZES.length];
  return `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: ${name}
  labels: { ring: ${index % 10 === 0 ? "canary" : "broad"} }
spec:
  gpu:
    count: ${gpus}
  softwareVersion: "2106"
  arm:
    endpoint: https://management.${name}.contoso.com
    subscriptionId: 00000000-0000-4000-8000-${String(index).padStart(12, "0")}
    resourceGroup: gpu-vms
    credential: DEVICE_${name.replace("-", "_").toUpperCase()}_ARM
  kubernetes:
    enabled: ${kubernetes}
  virtualMachines:
    - name: infer-01
      size: ${GPU_SIZES[index % GPU_SIZES.length]}
      image: ubuntu1804
      os: { type: Linux, distro: ubuntu, version: "18.04" }
      login: none
    - name: worker-02
      size: ${second}
      image: ubuntu1804
      os: { type: Linux, distro: ubuntu, version: "18.04" }
      login: none
`;
}

export async function writeFleet(root: string, devices: number): Promise<void> {
  for (let start = 0; start < devices; start += 1000) {
    const folder = join(root, `batch-${start / 1000}`);
    await mkdir(folder, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = start; i < Math.min(devices, start + 1000); i++) {
      writes.push(writeFile(join(folder, `store-${String(i).padStart(5, "0")}.yaml`), deviceManifest(i)));
    }
    await Promise.all(writes);
  }
}
