/**
 * No container runtime here: the site-worker Dockerfile is checked by its contents. It builds
 * on the official Functions Node 22 image, installs git, and disables exactly the functions
 * that are not device-facing (every registered function is either disabled or listed here).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const DEVICE_FACING = ["applyJob", "driftDeviceJob"];

const dockerfile = readFileSync("deploy/site-worker/Dockerfile", "utf8");
const registered = readdirSync("functions")
  .filter((file) => file.endsWith(".ts"))
  .flatMap((file) =>
    [...readFileSync(`functions/${file}`, "utf8").matchAll(/app\.(?:http|storageQueue|timer)\(\s*"([A-Za-z0-9_]+)"/g)].map((m) => m[1]!),
  );

describe("site-worker Dockerfile", () => {
  it("builds on the official Azure Functions Node 22 image and installs git", () => {
    const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toBe("mcr.microsoft.com/azure-functions/node:4-node22");
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends git\b/);
    expect(dockerfile).toMatch(/&& git --version/);
  });

  it("disables every function that is not device-facing, and no device-facing one", () => {
    const disabled = [...dockerfile.matchAll(/AzureWebJobs\.([A-Za-z0-9_]+)\.Disabled=true/g)].map((m) => m[1]!);
    expect(registered).toEqual(expect.arrayContaining(DEVICE_FACING));
    expect(disabled.sort()).toEqual(registered.filter((name) => !DEVICE_FACING.includes(name)).sort());
  });

  it("copies the compiled app and the host config into the script root", () => {
    expect(dockerfile).toMatch(/AzureWebJobsScriptRoot=\/home\/site\/wwwroot/);
    expect(dockerfile).toMatch(/COPY host\.json package\.json \.\//);
    expect(dockerfile).toMatch(/COPY --from=build \/src\/dist dist/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });
});
