/**
 * Issue 12 items 1-3 at plan time: logins (VM_NO_LOGIN, ssh keys inline or from files,
 * password credentials in the device namespace), static IPs (STATIC_IP_CONFLICT,
 * STATIC_IP_OUTSIDE_SUBNET, STATIC_IP_CHANGE_NEEDS_RECREATE) and customData (size, hash,
 * CUSTOM_DATA_NOT_APPLIED), through the loader as users write manifests.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deviceSettingsFromEnv } from "../../shared/composition/device-settings.js";
import { extensionParameters } from "../../shared/core/device/templates.js";
import { loadFleet } from "../../shared/adapters/git/fleet-folder.js";
import { referencedFilesOf } from "../../shared/core/manifest/referenced-files.js";
import { sshPublicKeyProblem } from "../../shared/core/manifest/ssh-public-key.js";
import { ObservedDevice } from "../../shared/core/plan/observed.js";
import { planFleet } from "../../shared/core/plan/planner.js";
import { CPU, errorCodes, plan, warningCodes } from "./fixtures.js";

export const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFHO6dQF13wmOv5wJgyF+bsPjoI+lqYJq12jmweCelRh ops@example";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "ase-vm-usable-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const device = (vms: string) => `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: dev-a
spec:
  gpu: { count: 1 }
  virtualMachines:
${vms}`;

async function planText(text: string, files: Record<string, string | Buffer> = {}, observed?: unknown) {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await writeFile(join(root, "dev-a.yaml"), text);
  const fleet = await loadFleet(root, { credentialPrefix: "DEVICE_" });
  return { fleet, plan: planFleet(fleet, observed ? { devices: { "dev-a": ObservedDevice.parse(observed) } } : undefined).devices[0]! };
}

describe("logins", () => {
  it("VM_NO_LOGIN: a Linux VM without keys or password, and a Windows VM without a password credential", async () => {
    const { plan: p } = await planText(
      device(`    - name: web
      size: Standard_D2_v2
      image: ubuntu
    - name: win
      size: Standard_D2_v2
      image: win2019
      os: { type: Windows }
`),
    );
    expect(p.feasible).toBe(false);
    expect(p.errors.map((e) => [e.code, e.line])).toEqual([
      ["VM_NO_LOGIN", 8],
      ["VM_NO_LOGIN", 11],
    ]);
    expect(p.errors[0]!.hint).toMatch(/ssh\.publicKeys/);
    expect(p.errors[1]!.message).toMatch(/Windows VM needs adminPassword\.credential/);
  });

  it("a key inline, a key file, a password credential or login: none each make a VM creatable", async () => {
    const { plan: p, fleet } = await planText(
      device(`    - name: a
      size: Standard_D2_v2
      image: ubuntu
      ssh: { publicKeys: ["${ED25519}"] }
    - name: b
      size: Standard_D2_v2
      image: ubuntu
      adminUsername: ops
      ssh:
        publicKeys:
          - file: keys/ops.pub
    - name: c
      size: Standard_D2_v2
      image: win2019
      os: { type: Windows }
      adminPassword: { credential: DEVICE_DEV_A_WIN }
    - name: d
      size: Standard_D2_v2
      image: ubuntu
      login: none
`),
      { "keys/ops.pub": `${ED25519}\n` },
    );
    expect(p.errors).toEqual([]);
    expect(referencedFilesOf(fleet.devices[0]!.manifest)![1]!.sshPublicKeys).toEqual([ED25519]);
  });

  it("an existing VM needs no login: it is not created again", () => {
    const p = plan({ vms: [{ name: "old", size: CPU, login: undefined }] }, { virtualMachines: [{ name: "old", size: CPU, powerState: "running" }] });
    expect(errorCodes(p)).toEqual([]);
  });

  it("bad keys are INVALID_MANIFEST at their line: not a key, a private key, truncated, a missing file, a path out of the folder", async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      [`ssh: { publicKeys: ["hello world"] }`, {}, /is not an OpenSSH public key/],
      [`ssh: { publicKeys: ["ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ"] }`, {}, /does not encode a ssh-ed25519 key/],
      [
        `ssh: { publicKeys: [{ file: keys/id }] }`,
        { "keys/id": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n" },
        /is a private key/,
      ],
      [`ssh: { publicKeys: [{ file: keys/none.pub }] }`, {}, /no such file in the repository/],
      [`ssh: { publicKeys: [{ file: ../etc/passwd }] }`, {}, /relative path inside the manifest's folder/],
      [`ssh: { publicKeys: [{ file: /etc/passwd }] }`, {}, /relative path inside the manifest's folder/],
    ];
    for (const [ssh, files, message] of cases) {
      const { plan: p } = await planText(device(`    - name: web\n      size: Standard_D2_v2\n      image: ubuntu\n      ${ssh}\n`), files);
      expect(
        p.errors.map((e) => [e.code, e.line]),
        ssh,
      ).toEqual([["INVALID_MANIFEST", 11]]);
      expect(p.errors[0]!.message, ssh).toMatch(message);
      // The key text itself is never echoed.
      expect(p.errors[0]!.message).not.toContain("b3Blbn");
    }
  });

  it("a symlink out of the fleet folder reads as no file: a pull request cannot send a host file to a device", async () => {
    const outside = await mkdtemp(join(tmpdir(), "ase-vm-outside-"));
    await writeFile(join(outside, "key.pub"), ED25519);
    await mkdir(join(root, "keys"));
    await symlink(join(outside, "key.pub"), join(root, "keys", "link.pub"));
    const { plan: p } = await planText(
      device(`    - name: web\n      size: Standard_D2_v2\n      image: ubuntu\n      ssh: { publicKeys: [{ file: keys/link.pub }] }\n`),
    );
    expect(p.errors[0]).toMatchObject({ code: "INVALID_MANIFEST", message: expect.stringMatching(/no such file in the repository/) });
    await rm(outside, { recursive: true, force: true });
  });

  it("schema: ssh on Windows, login: none beside a key, a password credential outside DEVICE_", async () => {
    const win = await planText(
      device(`    - name: w\n      size: Standard_D2_v2\n      image: w\n      os: { type: Windows }\n      ssh: { publicKeys: ["${ED25519}"] }\n`),
    );
    expect(win.plan.errors[0]!.message).toMatch(/spec\.virtualMachines\[0\]\.ssh: SSH keys are for Linux VMs/);
    const both = await planText(
      device(`    - name: w\n      size: Standard_D2_v2\n      image: w\n      login: none\n      ssh: { publicKeys: ["${ED25519}"] }\n`),
    );
    expect(both.plan.errors[0]!.message).toMatch(/login: none contradicts/);
    const leak = await planText(
      device(
        `    - name: w\n      size: Standard_D2_v2\n      image: w\n      os: { type: Windows }\n      adminPassword: { credential: GITHUB_TOKEN }\n`,
      ),
    );
    expect(leak.plan.errors).toEqual([
      expect.objectContaining({
        code: "INVALID_MANIFEST",
        line: 12,
        message: expect.stringMatching(/^spec\.virtualMachines\[0\]\.adminPassword\.credential: credential "GITHUB_TOKEN" is outside/),
      }),
    ]);
  });

  it("sshPublicKeyProblem accepts the key types ssh-keygen writes", () => {
    expect(sshPublicKeyProblem(ED25519)).toBeUndefined();
    expect(
      sshPublicKeyProblem(
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDK0WgMR9kDnb2QkYpGpo5fI+mwOeGjUOrqG2eKXDUKKpLeQLhuZwNpKK/5WletGtq0Gbdxdfk1nN++sNcYK7WI= ec",
      ),
    ).toBeUndefined();
    expect(sshPublicKeyProblem(`${ED25519}\n${ED25519}`)).toMatch(/exactly one/);
  });
});

describe("static IPs", () => {
  const vm = (name: string, ip?: string, extra = "") =>
    `    - name: ${name}\n      size: Standard_D2_v2\n      image: ubuntu\n      login: none\n${ip ? `      network: { privateIP: ${ip} }\n` : ""}${extra}`;

  it("STATIC_IP_CONFLICT: two VMs of the device, or a VM and an unmanaged one", async () => {
    const { plan: p } = await planText(device(vm("a", "10.0.0.10") + vm("b", "10.0.0.10")));
    expect(p.errors.map((e) => [e.code, e.line])).toEqual([["STATIC_IP_CONFLICT", 17]]);
    expect(p.errors[0]!.message).toBe("VM b: static IP 10.0.0.10 is already given to VM a on this device");
    const unmanaged = await planText(
      device(vm("a", "10.0.0.20")),
      {},
      {
        virtualMachines: [{ name: "legacy", size: "Standard_D2_v2", powerState: "running", managed: false, privateIP: "10.0.0.20" }],
      },
    );
    expect(unmanaged.plan.errors[0]).toMatchObject({
      code: "STATIC_IP_CONFLICT",
      message: expect.stringContaining("legacy (not managed by ase-gitops)"),
    });
  });

  it("STATIC_IP_OUTSIDE_SUBNET when the device's subnet is known; unknown subnets are not guessed", async () => {
    const subnets = [{ vnet: "ASEVNET", resourceGroup: "ASERG", name: "ASEVNETsubNet", addressPrefix: "10.0.0.0/24" }];
    for (const ip of ["10.0.1.5", "10.0.0.0", "10.0.0.255"]) {
      const { plan: p } = await planText(device(vm("a", ip)), {}, { subnets });
      expect(
        p.errors.map((e) => e.code),
        ip,
      ).toEqual(["STATIC_IP_OUTSIDE_SUBNET"]);
      expect(p.errors[0]!.message).toContain("(10.0.0.0/24)");
    }
    expect((await planText(device(vm("a", "10.0.0.5")), {}, { subnets })).plan.errors).toEqual([]);
    expect((await planText(device(vm("a", "172.16.0.5")))).plan.errors).toEqual([]);
  });

  it("a malformed address is INVALID_MANIFEST", async () => {
    const { plan: p } = await planText(device(vm("a", "10.0.0.300")));
    expect(p.errors[0]).toMatchObject({ code: "INVALID_MANIFEST", message: expect.stringMatching(/privateIP: must be an IPv4 address/) });
  });

  it("STATIC_IP_CHANGE_NEEDS_RECREATE: an existing VM's address changed (dynamic <-> static counts)", async () => {
    const seen = (privateIP: string) => ({ virtualMachines: [{ name: "a", size: "Standard_D2_v2", powerState: "running", privateIP }] });
    const changed = await planText(device(vm("a", "10.0.0.11")), {}, seen("10.0.0.10"));
    expect(changed.plan.errors.map((e) => [e.code, e.line])).toEqual([["STATIC_IP_CHANGE_NEEDS_RECREATE", 12]]);
    expect(changed.plan.errors[0]!.message).toBe(
      "VM a exists with IP 10.0.0.10; the manifest asks for 10.0.0.11, and ase-gitops does not change a NIC in place",
    );
    expect((await planText(device(vm("a", "10.0.0.11")), {}, seen(""))).plan.errors[0]!.code).toBe("STATIC_IP_CHANGE_NEEDS_RECREATE");
    expect((await planText(device(vm("a", "10.0.0.10")), {}, seen("10.0.0.10"))).plan.errors).toEqual([]);
    // A VM whose creation address is unknown (no tag) is not judged.
    const untagged = await planText(
      device(vm("a", "10.0.0.10")),
      {},
      { virtualMachines: [{ name: "a", size: "Standard_D2_v2", powerState: "running" }] },
    );
    expect(untagged.plan.errors).toEqual([]);
  });
});

describe("customData", () => {
  const withData = (file: string) =>
    device(`    - name: web\n      size: Standard_D2_v2\n      image: ubuntu\n      login: none\n      customData: { file: ${file} }\n`);

  it("is read, hashed and base64-encoded; more than 64 KiB is INVALID_MANIFEST", async () => {
    const { fleet, plan: p } = await planText(withData("cloud-init/web.yaml"), { "cloud-init/web.yaml": "#cloud-config\npackages: [nginx]\n" });
    expect(p.errors).toEqual([]);
    expect(referencedFilesOf(fleet.devices[0]!.manifest)![0]!.customData).toEqual({
      file: "cloud-init/web.yaml",
      base64: Buffer.from("#cloud-config\npackages: [nginx]\n").toString("base64"),
      sha256: createHash("sha256").update("#cloud-config\npackages: [nginx]\n").digest("hex"),
      bytes: 32,
    });
    const big = await planText(withData("big.yaml"), { "big.yaml": "#".repeat(65_536) });
    expect(big.plan.errors.map((e) => [e.code, e.line])).toEqual([["INVALID_MANIFEST", 12]]);
    expect(big.plan.errors[0]!.message).toMatch(/larger than 64 KiB \(65535 bytes\)/);
    expect((await planText(withData("exactly.yaml"), { "exactly.yaml": "#".repeat(65_535) })).plan.errors).toEqual([]);
  });

  it("CUSTOM_DATA_NOT_APPLIED: changed or removed on an existing VM is a warning, not a silent no-op", async () => {
    const seen = (customDataSha256: string) => ({
      virtualMachines: [{ name: "web", size: "Standard_D2_v2", powerState: "running", customDataSha256 }],
    });
    const changed = await planText(withData("c.yaml"), { "c.yaml": "#cloud-config\n" }, seen("f".repeat(64)));
    expect(changed.plan.feasible).toBe(true);
    expect(changed.plan.steps).toEqual([]);
    expect(changed.plan.warnings.map((w) => [w.code, w.line])).toEqual([["CUSTOM_DATA_NOT_APPLIED", 12]]);
    expect(changed.plan.warnings[0]!.message).toMatch(/no effect until the VM is recreated/);
    const sha = referencedFilesOf(changed.fleet.devices[0]!.manifest)![0]!.customData!.sha256;
    expect(warningCodes((await planText(withData("c.yaml"), { "c.yaml": "#cloud-config\n" }, seen(sha))).plan)).toEqual([]);
    const removed = await planText(device(`    - name: web\n      size: Standard_D2_v2\n      image: ubuntu\n      login: none\n`), {}, seen(sha));
    expect(removed.plan.warnings[0]!.message).toMatch(/customData was removed/);
  });
});

describe("driver facts (issue 12 item 7)", () => {
  it("GPU_EXTENSION_DEPRECATED for the Ubuntu 18.04 GPU extension, not without the extension", () => {
    const ubuntu = { type: "Linux", distro: "ubuntu", version: "18.04" };
    const p = plan({ vms: [{ name: "gpu", size: "Standard_NC4as_T4_v3", os: ubuntu }] });
    expect(warningCodes(p)).toEqual(["GPU_EXTENSION_DEPRECATED"]);
    expect(p.warnings[0]!.hint).toMatch(/gpuExtension: false/);
    expect(warningCodes(plan({ vms: [{ name: "gpu", size: "Standard_NC4as_T4_v3", os: ubuntu, gpuExtension: false }] }))).toEqual([]);
  });

  it("the Windows GPU driver defaults to the URLs Microsoft's parameter files publish, per release", () => {
    const windows = (release: string, url?: string) =>
      (
        extensionParameters({
          vm: "w",
          osType: "Windows",
          release,
          windowsDriver: { ...(url ? { url } : {}), certificateUrl: "https://go.microsoft.com/fwlink/?linkid=871664" },
        }).settings as { DriverURL: string }
      ).DriverURL;
    expect(windows("2106")).toBe("http://us.download.nvidia.com/tesla/442.50/442.50-tesla-desktop-winserver-2019-2016-international.exe");
    expect(windows("2205")).toBe(
      "http://us.download.nvidia.com/tesla/511.65/511.65-data-center-tesla-desktop-winserver-2016-2019-2022-dch-international.exe",
    );
    expect(windows("2303", "https://mirror.contoso.com/driver.exe")).toBe("https://mirror.contoso.com/driver.exe");
    expect(deviceSettingsFromEnv({}).windowsDriver).toEqual({ certificateUrl: "https://go.microsoft.com/fwlink/?linkid=871664" });
  });
});
