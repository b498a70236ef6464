/**
 * Issue 9, item 8: typos never pass silently. `kind: EdgeDevcie` used to be dropped as "some
 * other document"; merged, its device was reported "no longer managed, manifest deleted"
 * under a green check. Now such a document is INVALID_MANIFEST with file and line, and a
 * manifest that was valid on the default branch and is invalid at the merge commit is
 * reported invalid (which fails the apply check), never as no longer managed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRepoCache } from "../../shared/adapters/git/repo-cache.js";
import type { ReconcileJob } from "../../shared/core/messages/jobs.js";
import { parseManifestText } from "../../shared/core/manifest/load.js";
import { findAffectedDevices } from "../../shared/use-cases/reconcile-push/reconcile-push.js";
import { conclusionFor } from "../../shared/use-cases/reconcile-push/apply-report.js";
import { createTestRepo, type TestRepo } from "../helpers/git-repos.js";
import { runCli } from "../cli/run-cli.js";
import { writeFile } from "node:fs/promises";

const device = (name: string, kind = "EdgeDevice", apiVersion = "ase-gitops/v1") =>
  `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n  gpu: { count: 1 }\n`;

describe("kind typos are invalid manifests (issue 9, item 8)", () => {
  it.each([
    ["EdgeDevcie", "ase-gitops/v1"],
    ["EdgeDevices", "ase-gitops/v1"],
    ["edgedevice", "ase-gitops/v1"],
    ["EDGEDEVICE", "v1"],
    ["Edge-Device", "v1"],
    ["EdgDevice", "apps/v1"],
    ["EdgeDevcie", "ase-gitops/v2"],
    ["ConfigMap", "ase-gitops/v1"],
    ["Device", "ase-gitops/v1"],
  ])("kind %s (apiVersion %s) is INVALID_MANIFEST at the kind's line", (kind, apiVersion) => {
    const { devices, invalid } = parseManifestText(`# a comment\n${device("store-1", kind, apiVersion)}`, "d.yaml");
    expect(devices).toEqual([]);
    expect(invalid).toEqual([
      {
        name: "store-1",
        file: "d.yaml",
        errors: [{ code: "INVALID_MANIFEST", message: expect.stringContaining(`"${kind}"`), file: "d.yaml", line: 3 }],
      },
    ]);
    expect(invalid[0]!.errors[0]!.message).toMatch(/EdgeDevice/);
  });

  it("an ase-gitops document without a kind is invalid too", () => {
    const { invalid } = parseManifestText("apiVersion: ase-gitops/v1\nmetadata: { name: store-1 }\n", "d.yaml");
    expect(invalid[0]!.errors).toEqual([{ code: "INVALID_MANIFEST", message: expect.stringMatching(/^kind: is required/), file: "d.yaml", line: 1 }]);
  });

  it("other people's documents are still ignored", () => {
    const text = [
      "kind: ConfigMap\nmetadata: { name: x }\n",
      "apiVersion: apps/v1\nkind: Deployment\n",
      "name: ci\non: push\n",
      "- a list\n",
      "just text\n",
    ].join("---\n");
    expect(parseManifestText(text, "d.yaml")).toEqual({ devices: [], invalid: [] });
  });

  it("the CLI plan exits 2 and names the file and line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sec-08-cli-"));
    try {
      await writeFile(join(dir, "store-1.yaml"), device("store-1", "EdgeDevcie"));
      const run = runCli(["plan", dir, "--format", "json"]);
      expect(run.status).toBe(2);
      expect(JSON.parse(run.stdout).devices).toMatchObject([
        { name: "store-1", file: "store-1.yaml", feasible: false, errors: [{ code: "INVALID_MANIFEST", file: "store-1.yaml", line: 2 }] },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a manifest valid on the default branch and invalid at the merge commit", () => {
  let repo: TestRepo;
  let cacheRoot: string;
  let base: string;
  beforeAll(async () => {
    repo = await createTestRepo("main");
    cacheRoot = await mkdtemp(join(tmpdir(), "sec-08-cache-"));
    base = await repo.commit(
      { "devices/store-1.yaml": device("store-1"), "devices/store-2.yaml": device("store-2"), "devices/store-3.yaml": device("store-3") },
      "fleet",
    );
    await repo.push("main");
  });
  afterAll(async () => {
    await repo?.dispose();
    await rm(cacheRoot, { recursive: true, force: true });
  });

  async function affectedBy(files: Record<string, string | null>, rename?: [string, string]) {
    const before = (await repo.git.revparse(["HEAD"])).trim();
    if (Object.keys(files).length > 0) await repo.commit(files, "change");
    if (rename) await repo.rename(rename[0], rename[1]);
    const after = (await repo.git.revparse(["HEAD"])).trim();
    await repo.push("main");
    const job: ReconcileJob = {
      version: 1,
      kind: "reconcile",
      deliveryId: `d-${after}`,
      receivedAt: new Date().toISOString(),
      repository: { fullName: "acme/fleet", defaultBranch: "main", cloneUrl: repo.remote } as ReconcileJob["repository"],
      ref: "refs/heads/main",
      before,
      after,
    };
    const deps = {
      repos: createRepoCache(cacheRoot, { githubServerUrl: "https://github.com", allowLocalRepositories: true }),
      gitToken: async () => undefined,
      fleetPath: "devices",
    } as unknown as Parameters<typeof findAffectedDevices>[0];
    return findAffectedDevices(deps, job);
  }

  const failsTheCheck = (affected: Awaited<ReturnType<typeof affectedBy>>) =>
    conclusionFor([
      ...affected.unmanaged.map((r) => ({ ...r, outcome: "unmanaged" as const })),
      ...affected.invalid.map((r) => ({ ...r, outcome: "invalid" as const, message: r.message })),
    ] as never);

  it("a kind typo is invalid, not 'no longer managed'", async () => {
    expect(base).toMatch(/^[0-9a-f]{40}$/);
    const affected = await affectedBy({ "devices/store-1.yaml": device("store-1", "EdgeDevcie") });
    expect(affected.unmanaged).toEqual([]);
    expect(affected.apply).toEqual([]);
    expect(affected.invalid).toEqual([
      {
        device: "store-1",
        file: "devices/store-1.yaml",
        message: expect.stringMatching(/^INVALID_MANIFEST: kind: "EdgeDevcie".*\(devices\/store-1\.yaml:2\)$/),
      },
    ]);
    expect(failsTheCheck(affected)).toBe("failure");
  });

  it("a YAML syntax error that hides the name is invalid under the device's name", async () => {
    const affected = await affectedBy({ "devices/store-2.yaml": `${device("store-2")}  virtualMachines: [\n` });
    expect(affected.unmanaged).toEqual([]);
    expect(affected.invalid).toEqual([
      { device: "store-2", file: "devices/store-2.yaml", message: expect.stringMatching(/^INVALID_MANIFEST: YAML syntax error/) },
    ]);
    expect(failsTheCheck(affected)).toBe("failure");
  });

  it("a duplicate key in a renamed file is invalid too", async () => {
    await repo.commit({ "devices/store-3.yaml": `${device("store-3")}  gpu: { count: 2 }\n` }, "break");
    await repo.push("main");
    // Rename it on the next push (the file at the old path was already broken: start over).
    await repo.commit({ "devices/store-3.yaml": device("store-3") }, "fix");
    await repo.push("main");
    const affected = await affectedBy({ "devices/store-3.yaml": `${device("store-3")}  gpu: { count: 2 }\n` }, [
      "devices/store-3.yaml",
      "devices/shop-3.yaml",
    ]);
    expect(affected.unmanaged).toEqual([]);
    expect(affected.invalid).toMatchObject([{ device: "store-3", file: "devices/shop-3.yaml", message: expect.stringMatching(/unique/) }]);
  });

  it("a deleted manifest is still 'no longer managed'", async () => {
    await repo.commit({ "devices/store-1.yaml": device("store-1") }, "fix the typo");
    await repo.push("main");
    const affected = await affectedBy({ "devices/store-1.yaml": null });
    expect(affected.unmanaged).toEqual([{ device: "store-1", file: "devices/store-1.yaml" }]);
    expect(affected.invalid).toEqual([]);
  });
});
