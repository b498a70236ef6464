/**
 * The deployment files cannot be compiled here (no Bicep compiler): check what can be
 * checked. JSON and YAML parse, azd and the workflow have the shape they need, and every
 * parameter and output of infra/main.bicep is documented in infra/README.md.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const read = (path: string) => readFileSync(path, "utf8");

/** Top-level `param NAME` / `output NAME` declarations of a Bicep file. */
const declared = (bicep: string, keyword: "param" | "output") =>
  [...bicep.matchAll(new RegExp(`^${keyword}\\s+([A-Za-z_][A-Za-z0-9_]*)\\s`, "gm"))].map((m) => m[1]!);

describe("infra files", () => {
  const main = read("infra/main.bicep");
  const readme = read("infra/README.md");

  it("parse as JSON and YAML", () => {
    const parameters = JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, unknown> };
    expect(Object.keys(parameters.parameters).length).toBeGreaterThan(0);
    const azure = parse(read("azure.yaml")) as { services: Record<string, { host: string; language: string; project: string }> };
    expect(azure.services.api).toMatchObject({ host: "function", language: "ts", project: "." });
    const ci = parse(read(".github/workflows/ci.yml")) as {
      jobs: Record<string, { "runs-on": string; steps: Array<{ run?: string; uses?: string }>; permissions?: Record<string, string> }>;
    };
    expect(ci.jobs.test!["runs-on"]).toBe("ubuntu-latest");
    expect(ci.jobs.test!.steps.some((s) => s.run === ".ci/run")).toBe(true);
    expect(ci.jobs.deploy!.permissions?.["id-token"]).toBe("write");
    expect(ci.jobs.deploy!.steps.some((s) => s.uses?.startsWith("azure/login@"))).toBe(true);
    expect(ci.jobs.deploy!.steps.some((s) => s.run?.includes("azd deploy"))).toBe(true);
  });

  it("documents every parameter and output of main.bicep in infra/README.md", () => {
    const params = declared(main, "param");
    const outputs = declared(main, "output");
    expect(params.length).toBeGreaterThan(5);
    expect(outputs.length).toBeGreaterThan(3);
    const undocumented = [...params, ...outputs].filter((name) => !new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, "m").test(readme));
    expect(undocumented).toEqual([]);
  });

  it("maps only parameters main.bicep declares, and every required one", () => {
    const params = declared(main, "param");
    const mapped = Object.keys((JSON.parse(read("infra/main.parameters.json")) as { parameters: object }).parameters);
    expect(mapped.filter((name) => !params.includes(name))).toEqual([]);
    const required = [...main.matchAll(/^param\s+(\w+)\s+\w+\s*$/gm)].map((m) => m[1]!);
    expect(required.filter((name) => !mapped.includes(name))).toEqual([]);
  });

  it("runs Node 22 on Flex Consumption with a system-assigned identity and storage without keys", () => {
    const api = read("infra/app/api.bicep");
    expect(api).toMatch(/runtime:\s*\{\s*name:\s*'node'\s*version:\s*'22'/);
    expect(api).toMatch(/systemAssigned:\s*true/);
    expect(api).not.toMatch(/AzureWebJobsStorage:\s/);
    for (const setting of ["AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__tableServiceUri"])
      expect(api).toContain(setting);
    expect(main).toMatch(/name:\s*'FC1'/);
    expect(main).toMatch(/allowSharedKeyAccess:\s*false/);
    const rbac = read("infra/app/rbac.bicep");
    for (const role of [
      "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
      "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
      "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
      "4633458b-17de-408a-b874-0445c86b69e6",
    ])
      expect(rbac).toContain(role);
  });
});
