/**
 * Issue 12: a VM's secrets (the Windows admin password from its credential setting, the
 * customData it boots with) reach the device and nothing else. A pull request adds the VMs
 * (plan job, PR comment and check run), the merge applies them (reconcile and apply jobs,
 * journal, apply check run and comment); every body sent to GitHub, every runtime log line
 * and every journal entry is searched for the secret values.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../devtools/controller-harness.js";
import { waitFor } from "../helpers/wait.js";
import { GATEWAY, deviceManifest, runningGateway } from "../e2e/fleet-fixtures.js";

const WINDOWS_PASSWORD = "Win-Admin-S3cret-value!";
const CLOUD_INIT = "#cloud-config\nruncmd:\n  - echo first-boot-marker-7f3a > /etc/marker\n";
const CLOUD_INIT_BASE64 = Buffer.from(CLOUD_INIT).toString("base64");
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFHO6dQF13wmOv5wJgyF+bsPjoI+lqYJq12jmweCelRh ops@example";

const vms = `    - name: web
      size: Standard_D2_v2
      image: ubuntu1804
      os: { type: Linux, distro: ubuntu, version: "18.04" }
      ssh:
        publicKeys:
          - file: keys/ops.pub
      network: { privateIP: 10.0.0.21 }
      customData: { file: cloud-init/web.yaml }
    - name: win
      size: Standard_D2_v2
      image: win2019
      os: { type: Windows, version: "2019" }
      adminPassword:
        credential: DEVICE_VAULT_WIN_ADMIN
`;

let fleet: string;
let h: Harness;
const logs: string[] = [];

beforeAll(async () => {
  fleet = await mkdtemp(join(tmpdir(), "ase-gitops-vm-secrets-"));
  // The images must exist on the simulated device: the first manifest names them.
  await mkdir(join(fleet, "keys"));
  await mkdir(join(fleet, "cloud-init"));
  await writeFile(join(fleet, "keys", "ops.pub"), `${KEY}\n`);
  await writeFile(join(fleet, "cloud-init", "web.yaml"), CLOUD_INIT);
  await writeFile(join(fleet, "vault.yaml"), deviceManifest("vault", 1, `  virtualMachines:\n${GATEWAY}${vms}`));
  h = await startHarness({
    fleet,
    observed: { devices: { vault: runningGateway } } as never,
    settings: { DEVICE_VAULT_WIN_ADMIN: WINDOWS_PASSWORD },
    onRuntimeLog: (line) => logs.push(line),
  });
  // Start from a device with the gateway only; the pull request adds web and win.
  const withoutVms = h.files["vault.yaml"]!.replace(vms, "");
  expect(withoutVms).not.toContain("name: win");
  const { after } = await h.pushCommit({ "vault.yaml": withoutVms }, "vault: gateway only");
  await h.waitForCheckRun("ase-gitops/apply", after, 90_000);
}, 180_000);

afterAll(async () => {
  await h?.stop();
  await rm(fleet, { recursive: true, force: true });
});

describe("VM secrets stay on the device (issue 12)", () => {
  it("no password or customData in any GitHub body, runtime log or journal entry; the device got both", async () => {
    const head = await h.pullRequest(12, "vms", { "vault.yaml": h.files["vault.yaml"]! });
    const planRun = await h.waitForCheckRun("ase-gitops/plan", head, 90_000);
    expect(planRun.conclusion).toBe("success");
    const { after } = await h.merge(12, "vms");
    const applyRun = await h.waitForCheckRun("ase-gitops/apply", after, 120_000);
    expect(applyRun.conclusion, applyRun.output.summary).toBe("success");
    await waitFor(async () => h.github.comments.find((c) => c.issue === 12 && c.body.includes("<!-- ase-gitops:apply -->")));

    // The device received them.
    const received = h.simulator.device("vault").receivedDeployments;
    const params = (name: string) => received.find((d) => d.name === name)!.parameters as Record<string, { value: unknown }>;
    expect(params("ase-gitops-win-vm").Password!.value).toBe(WINDOWS_PASSWORD);
    expect(params("ase-gitops-web-vm").customData!.value).toBe(CLOUD_INIT_BASE64);
    expect(params("ase-gitops-web-vm").privateIPAddress!.value).toBe("10.0.0.21");
    expect(params("ase-gitops-web-vm").sshPublicKeys!.value).toEqual([{ path: "/home/azureuser/.ssh/authorized_keys", keyData: KEY }]);

    // The journal keeps the hash, never the data.
    const history = await h.journal.history(h.repository, "vault");
    const sha = createHash("sha256").update(CLOUD_INIT).digest("hex");
    expect(history.find((e) => e.action === "createVm" && e.vm === "web" && e.status === "succeeded")?.customDataSha256).toBe(sha);

    const everything = [
      ...h.github.calls.map((c) => JSON.stringify(c.body ?? null)),
      ...h.github.comments.map((c) => c.body),
      ...h.github.checkRuns.map((r) => JSON.stringify(r)),
      ...logs,
      ...history.map((e) => JSON.stringify(e)),
      ...h.simulator.requests.map((r) => r.path),
    ];
    expect(everything.length).toBeGreaterThan(10);
    const throwaway = String(params("ase-gitops-web-vm").Password!.value);
    for (const secret of [WINDOWS_PASSWORD, CLOUD_INIT_BASE64, "first-boot-marker-7f3a", throwaway]) {
      const hits = everything.filter((text) => text.includes(secret));
      expect(hits, `secret found in output: ${secret.slice(0, 6)}...`).toEqual([]);
    }
  }, 240_000);
});
