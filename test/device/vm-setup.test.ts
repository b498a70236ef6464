/**
 * Issue 12 items 1-3 end to end through the simulator: what the device receives (recorded
 * deployments, the VM's osProfile, the NIC) carries the SSH key, the static IP and the
 * customData; the Windows password comes from its named credential and appears in no plan,
 * result or progress message; a missing credential stops the apply before any write.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyFleet, deviceSettingsFromEnv, observeFleet } from "../../shared/composition/device.js";
import { loadFleet } from "../../shared/adapters/git/fleet-folder.js";
import { parseManifestText } from "../../shared/core/manifest/load.js";
import type { ObservedDevice } from "../../shared/core/plan/observed.js";
import { planDevice, planFleet } from "../../shared/core/plan/planner.js";
import { renderJson } from "../../shared/core/plan/render-json.js";
import { renderMarkdown } from "../../shared/core/plan/render-markdown.js";
import { type Simulator, startSimulator } from "../../simulator/index.js";
import { testEnv } from "../simulator/fixtures.js";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFHO6dQF13wmOv5wJgyF+bsPjoI+lqYJq12jmweCelRh ops@example";
const WINDOWS_PASSWORD = "Str0ng-and-secret-Windows!";
const CLOUD_INIT = "#cloud-config\nwrite_files:\n  - path: /etc/motd\n    content: hello from ase-gitops\n";

const fleetYaml = (endpoint: string) => `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: dev
spec:
  gpu: { count: 1 }
  arm:
    endpoint: ${endpoint}
    subscriptionId: 11111111-2222-4333-8444-555555555555
    resourceGroup: gpu-vms
    credential: DEVICE_PASSWORD
  virtualMachines:
    - name: web
      size: Standard_D2_v2
      image: ubuntu2204
      os: { type: Linux, distro: ubuntu, version: "22.04" }
      adminUsername: ops
      ssh:
        publicKeys:
          - file: keys/ops.pub
      network: { privateIP: 10.0.0.10 }
      customData: { file: cloud-init/web.yaml }
    - name: win
      size: Standard_D2_v2
      image: win2019
      os: { type: Windows, version: "2019" }
      adminPassword: { credential: DEVICE_DEV_WIN_ADMIN }
`;

let sim: Simulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const plan = (input: Parameters<typeof planDevice>[0], observed: ObservedDevice) => planDevice(input, observed);

async function setUp() {
  dir = await mkdtemp(join(tmpdir(), "ase-vm-setup-"));
  const seed = parseManifestText(fleetYaml("https://127.0.0.1/devices/dev"), "dev.yaml").devices[0]!.manifest;
  sim = await startSimulator({ manifests: [seed] });
  await mkdir(join(dir, "keys"));
  await mkdir(join(dir, "cloud-init"));
  await writeFile(join(dir, "keys", "ops.pub"), `${KEY}\n`);
  await writeFile(join(dir, "cloud-init", "web.yaml"), CLOUD_INIT);
  await writeFile(join(dir, "dev.yaml"), fleetYaml(sim.devices.dev!));
  const fleet = await loadFleet(dir, { credentialPrefix: "DEVICE_" });
  expect(fleet.invalid).toEqual([]);
  return { fleet, targets: fleet.devices };
}

describe("usable VMs through the simulator (issue 12)", () => {
  it("the device receives the SSH key, the static IP and the customData; the password comes from its credential", async () => {
    const { fleet, targets } = await setUp();
    const settings = deviceSettingsFromEnv(testEnv(sim!, { DEVICE_DEV_WIN_ADMIN: WINDOWS_PASSWORD }));
    const events: string[] = [];
    const results = await applyFleet(targets, settings, { plan, onProgress: (e) => events.push(JSON.stringify(e)) });
    expect(results[0]).toMatchObject({ status: "converged" });

    const device = sim!.device("dev");
    const received = (name: string) => device.receivedDeployments.find((d) => d.name === name)!.parameters as Record<string, { value: unknown }>;
    const web = received("ase-gitops-web-vm");
    expect(web.adminUsername!.value).toBe("ops");
    expect(web.sshPublicKeys!.value).toEqual([{ path: "/home/ops/.ssh/authorized_keys", keyData: KEY }]);
    expect(web.disablePasswordAuthentication!.value).toBe(true);
    expect(web.privateIPAddress!.value).toBe("10.0.0.10");
    expect(web.customData!.value).toBe(Buffer.from(CLOUD_INIT).toString("base64"));
    expect(device.vms.get("web")!.osProfile).toEqual({
      adminUsername: "ops",
      passwordSet: true,
      disablePasswordAuthentication: true,
      sshPublicKeys: [{ path: "/home/ops/.ssh/authorized_keys", keyData: KEY }],
      customData: Buffer.from(CLOUD_INIT).toString("base64"),
    });
    expect([...device.nics.values()].find((n) => n.name === "web-nic")!.privateIPAddress).toBe("10.0.0.10");

    const win = received("ase-gitops-win-vm");
    expect(win.Password!.value).toBe(WINDOWS_PASSWORD);
    expect(win.adminUsername!.value).toBe("azureuser");
    expect(win.sshPublicKeys!.value).toEqual([]);
    expect(win.privateIPAddress!.value).toBe("");
    expect(device.vms.get("win")!.osProfile).toMatchObject({ passwordSet: true, disablePasswordAuthentication: false });
    // The web VM's password is a throwaway nobody keeps: never a derived or shared one.
    expect(web.Password!.value).not.toBe(WINDOWS_PASSWORD);
    expect(String(web.Password!.value).length).toBeGreaterThanOrEqual(24);

    // What the controller asked for is read back: re-planning finds nothing to do.
    const observed = await observeFleet(targets, settings);
    const sha = createHash("sha256").update(CLOUD_INIT).digest("hex");
    expect(observed.devices.dev!.virtualMachines.find((v) => v.name === "web")).toMatchObject({ privateIP: "10.0.0.10", customDataSha256: sha });
    const replan = planFleet(fleet, observed);
    expect(replan.devices[0]!.steps).toEqual([]);

    // No secret in anything the controller renders or reports.
    const outputs = [
      renderJson(replan),
      renderMarkdown(replan),
      renderJson(planFleet(fleet)),
      renderMarkdown(planFleet(fleet)),
      JSON.stringify(results),
      ...events,
    ];
    for (const text of outputs) {
      expect(text).not.toContain(WINDOWS_PASSWORD);
      expect(text).not.toContain(String(web.Password!.value));
      expect(text).not.toContain(Buffer.from(CLOUD_INIT).toString("base64"));
      expect(text).not.toContain("hello from ase-gitops");
    }
  }, 60_000);

  it("a missing or short password setting stops the apply before anything is written", async () => {
    const { targets } = await setUp();
    const writes = () => sim!.requests.filter((r) => r.method !== "GET" && !r.path.includes("/adfs")).length;
    const missing = await applyFleet(targets, deviceSettingsFromEnv(testEnv(sim!)), { plan });
    expect(missing[0]).toMatchObject({ status: "failed", stepsDone: 0, error: { code: "MISSING_CREDENTIAL", transient: false } });
    expect(missing[0]!.error!.message).toBe("device dev: the setting DEVICE_DEV_WIN_ADMIN (VM win adminPassword.credential) is not set");
    const short = await applyFleet(targets, deviceSettingsFromEnv(testEnv(sim!, { DEVICE_DEV_WIN_ADMIN: "short" })), { plan });
    expect(short[0]!.error!.message).toMatch(/must hold 12 to 123 characters/);
    expect(JSON.stringify(short)).not.toContain('"short"');
    expect(writes()).toBe(0);
    expect(sim!.device("dev").receivedDeployments).toEqual([]);
  }, 60_000);

  it("the simulator refuses a static IP another NIC holds, as a device would", async () => {
    const { targets } = await setUp();
    sim!
      .device("dev")
      .nics.set("gpu-vms/other-nic", { name: "other-nic", resourceGroup: "gpu-vms", ipConfigName: "x", privateIPAddress: "10.0.0.10", subnetId: "" });
    const results = await applyFleet(targets, deviceSettingsFromEnv(testEnv(sim!, { DEVICE_DEV_WIN_ADMIN: WINDOWS_PASSWORD })), { plan });
    expect(results[0]).toMatchObject({ status: "failed", error: { step: { action: "createVm", vm: "web" } } });
    expect(results[0]!.error!.message).toMatch(/PrivateIPAddressInUse|already used by network interface 'other-nic'/);
  }, 60_000);

  it("ASE_GITOPS_VM_ADMIN_PASSWORD is refused: one password for every VM is gone", () => {
    expect(() => deviceSettingsFromEnv({ ASE_GITOPS_VM_ADMIN_PASSWORD: "x" })).toThrow(/ASE_GITOPS_VM_ADMIN_PASSWORD: is no longer read/);
  });
});
