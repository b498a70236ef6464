/**
 * Issue 9, item 11: names, paths and messages from manifests and devices are shown as
 * typed in every GitHub body: never HTML (`<img src=…>` loading a foreign URL, an unclosed
 * `<!--` hiding the rest of the plan), never a link or image, never a mention that pings
 * (`@team`). Through the plan job (PR comment and check run), a drift check (issue) and the
 * apply report, with octokit and the loopback GitHub API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { codeBlock, inline } from "../../shared/core/markdown/escape.js";
import { renderApplyReport } from "../../shared/use-cases/reconcile-push/apply-report.js";
import { addVmByHand } from "../drift/fixtures.js";
import { type DriftBench, startDriftBench } from "../drift/harness.js";
import { fleetRepo, PullRequestDriver } from "../helpers/plan-harness.js";
import { deviceManifest } from "../helpers/webhook-fixtures.js";
import { manifest } from "../simulator/fixtures.js";

const IMG = "<img src=https://evil.example/pixel.png>";
const MENTION = "@contoso/admins";
const HIDE = "<!--";

/** The only HTML a body of ours may hold: our markers and a few layout tags. */
const OUR_TAGS = new Set(["details", "summary", "b", "sub"]);
function expectInert(body: string): void {
  // Inside a code span HTML is inert (GitHub shows it as text): look at the rest.
  const outsideCode = body.replace(/<!-- ase-gitops:[^\n]*? -->/g, "").replace(/(?<![\\`])`[^`\n]+`(?!`)/g, "``");
  expect(outsideCode).not.toContain("<!--");
  for (const match of outsideCode.matchAll(/<\/?([A-Za-z][A-Za-z0-9-]*)/g)) {
    expect(OUR_TAGS, `raw <${match[1]}> in:\n${body}`).toContain(match[1]!.toLowerCase());
  }
  expect(outsideCode).not.toMatch(/@contoso[/-]admins/);
  expect(outsideCode).not.toMatch(/!\[|\]\(https?:/);
}

let bench: DriftBench;
beforeAll(async () => {
  bench = await startDriftBench([manifest("store-a", { gpus: 1, vms: [{ name: "infer-01" }] })]);
});
afterAll(async () => {
  await bench?.dispose();
});
afterEach(() => {
  expect(bench.harness.github.unexpected).toEqual([]);
});

describe("the PR comment and the check run", () => {
  it("show an invalid metadata.name, VM fields and file path as typed, with no HTML, image or mention", async () => {
    const github = bench.harness.github;
    const repo = await fleetRepo({ "devices/store-001.yaml": deviceManifest("store-001") });
    try {
      const pr = new PullRequestDriver(bench.harness, repo, bench.harness.runtime(), 51);
      const badName = `apiVersion: ase-gitops/v1\nkind: EdgeDevice\nmetadata:\n  name: "${IMG} ${MENTION} ${HIDE}"\nspec:\n  gpu: { count: 1 }\n`;
      const badVm = [
        "apiVersion: ase-gitops/v1",
        "kind: EdgeDevice",
        "metadata:",
        "  name: store-009",
        "spec:",
        "  gpu: { count: 1 }",
        "  virtualMachines:",
        `    - name: "${HIDE} ${MENTION}"`,
        `      size: "${IMG}"`,
        `      image: "![x](https://evil.example/img.png)"`,
        "      os: { type: Linux, distro: ubuntu, version: '18.04' }",
        "",
      ].join("\n");
      await pr.pushAndPlan(
        {
          [`devices/${IMG.replace(/\//g, "_")}.yaml`]: badName,
          "devices/store-009.yaml": badVm,
          "devices/store-001.yaml": deviceManifest("store-001", { gpus: 2 }),
        },
        "opened",
      );

      const comment = github.comments.find((c) => c.issue === 51);
      expect(comment, "the plan comment").toBeDefined();
      expectInert(comment!.body);
      // Shown as typed, and the rest of the plan is still there (nothing hidden by <!--).
      expect(comment!.body).toContain("&lt;img src=https://evil.example/pixel.png&gt;");
      expect(comment!.body).toContain("@\u200Dcontoso/admins");
      expect(comment!.body).toContain("store-001");
      expect(comment!.body).toContain("<sub>Why the order matters");

      const run = github.checkRuns.find((r) => r.name === "ase-gitops/plan" && r.status === "completed");
      expect(run?.conclusion).toBe("failure");
      expectInert(run!.output.summary ?? "");
      expectInert(run!.output.text ?? "");
    } finally {
      await repo.dispose();
    }
  });
});

describe("the drift issue", () => {
  it("shows a device's VM name as typed", async () => {
    const vm = `${HIDE}${IMG.replace(/\//g, "")}${MENTION.replace("/", "-")}`;
    addVmByHand(bench.sim, "store-a", vm, "Standard_D2_v2", true);
    const response = await bench.post('{"devices":["store-a"]}');
    expect(response.status).toBe(200);
    expect(response.body.devices[0]).toMatchObject({ status: "drifted", codes: ["VM_UNEXPECTED"], issue: { action: "created" } });
    const issue = bench.harness.github.issues.find((i) => i.body.includes("<!-- ase-gitops:drift device=store-a -->"))!;
    expectInert(issue.body);
    expect(issue.body).toContain("@\u200Dcontoso-admins");
    expect(issue.body).toContain("Kept up to date by ase-gitops drift checks");
  });
});

describe("the apply report and error texts", () => {
  it("escape device messages in the apply check run and fence error text it cannot close", () => {
    const output = renderApplyReport(
      {
        repository: "contoso/edge-fleet",
        commit: "c".repeat(40),
        deliveryId: "d-1",
        devices: [{ device: "store-001", file: "devices/store-001.yaml" }],
        completed: false,
        createdAt: "2024-05-01T10:00:00Z",
      },
      [
        {
          device: "store-001",
          file: "devices/store-001.yaml",
          outcome: "failed",
          step: 1,
          action: "createVm",
          message: `device said ${IMG} ${MENTION} ${HIDE} | not a cell`,
          updatedAt: "2024-05-01T10:00:00Z",
        },
      ],
    );
    expectInert(output.summary);
    expect(output.summary).toContain("\\| not a cell");

    const block = codeBlock("```\n<img src=x>\n```");
    expect(block.startsWith("````text\n")).toBe(true);
    expect(block.endsWith("\n````")).toBe(true);
    // Our own code spans stay code; everything else is inert.
    expect(inline("set `kubernetes.allowReconfigure: true` for @ops <b>now</b>")).toBe(
      "set `kubernetes.allowReconfigure: true` for @\u200Dops &lt;b&gt;now&lt;/b&gt;",
    );
  });
});
