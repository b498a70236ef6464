/**
 * Issue 9 item 10: ARM accepts any GUID as a subscription id, so the manifest does too.
 * z.uuid() wanted RFC 4122 version/variant bits and refused placeholders like this one.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderEdgeDeviceJsonSchema } from "../../shared/core/manifest/json-schema.js";
import { runCli } from "../cli/run-cli.js";

const PLACEHOLDER = "11111111-2222-3333-4444-555555555555";

const manifest = (subscription: string) => `apiVersion: ase-gitops/v1
kind: EdgeDevice
metadata:
  name: store-guid
spec:
  gpu: { count: 1 }
  arm:
    endpoint: https://management.store-guid.contoso.com
    subscriptionId: ${subscription}
    resourceGroup: gpu-vms
    credential: DEVICE_STORE_GUID_ARM
  dataBoxEdge:
    subscriptionId: ${subscription}
    resourceGroup: edge-devices
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ase-sec-guid-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("subscription GUIDs (issue 9, item 10)", () => {
  it("plan accepts a placeholder GUID in spec.arm and spec.dataBoxEdge", async () => {
    await writeFile(join(dir, "placeholder.yaml"), manifest(PLACEHOLDER));
    const run = runCli(["plan", join(dir, "placeholder.yaml"), "--format", "json"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.devices[0]).toMatchObject({ name: "store-guid", feasible: true, errors: [] });
  });

  it("still refuses what is not a GUID, with file and line", async () => {
    await writeFile(join(dir, "broken.yaml"), manifest("11111111-2222-3333-4444-55555555555Z"));
    const run = runCli(["plan", join(dir, "broken.yaml"), "--format", "json"]);
    expect(run.status).toBe(2);
    const errors = JSON.parse(run.stdout).devices[0].errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: "INVALID_MANIFEST",
          line: 9,
          message: expect.stringMatching(/spec\.arm\.subscriptionId: must be a subscription GUID/),
        }),
        expect.objectContaining({ code: "INVALID_MANIFEST", line: 13, message: expect.stringMatching(/spec\.dataBoxEdge\.subscriptionId/) }),
      ]),
    );
  });

  it("the published JSON Schema accepts the same GUIDs", () => {
    const schema = JSON.parse(renderEdgeDeviceJsonSchema());
    for (const path of [schema.properties.spec.properties.arm, schema.properties.spec.properties.dataBoxEdge]) {
      const pattern = new RegExp(path.properties.subscriptionId.pattern);
      expect(pattern.test(PLACEHOLDER)).toBe(true);
      expect(pattern.test("not-a-guid")).toBe(false);
    }
  });
});
