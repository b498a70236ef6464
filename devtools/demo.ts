/**
 * `npm run demo`: the controller's main job on built-in defaults, with no cloud account and
 * no GitHub. A local fleet repository (examples/fleet), eight simulated Azure Stack Edge
 * devices seeded with examples/observed.json, the controller in the local Functions runtime
 * on Azurite, and a loopback GitHub API that records what the controller posts.
 *
 *   1. a pull request rolls the fleet out to release 2110 and lets two devices whose GPUs
 *      Kubernetes holds be reconfigured: the signed webhook arrives, the plan comment is
 *      printed as GitHub would receive it;
 *   2. the pull request is merged: the push webhook arrives, every device converges, with
 *      progress per device and step;
 *   3. each device's GPU claims are printed. Everything started is stopped.
 */
import { readFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gpuClaims } from "../shared/core/plan/planner.js";
import { ObservedState } from "../shared/core/plan/observed.js";
import { describeClaims } from "../shared/core/plan/render-markdown.js";
import type { JournalEntry } from "../shared/adapters/store/apply-journal.js";
import { type Harness, startHarness } from "./controller-harness.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = HERE.split(sep).includes("dist") ? join(HERE, "..", "..") : join(HERE, "..");
const FLEET = join(ROOT, "examples", "fleet");
const PR_NUMBER = 1;
const TARGET_RELEASE = "2110";

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (text = "") => console.log(text);
const step = (text: string) => say(`\n[${elapsed()}] ${text}`);
const indent = (text: string) =>
  text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");

/** The pull request: every device moves to 2110; the two blocked ones may reconfigure. */
function rollout(files: Record<string, string>): Record<string, string> {
  const changed: Record<string, string> = {};
  for (const [file, text] of Object.entries(files)) {
    let next = text.replace(/softwareVersion: "\d{4}"/, `softwareVersion: "${TARGET_RELEASE}"`);
    next = next.replace(/allowReconfigure: false/, "allowReconfigure: true");
    if (/name: store-006/.test(next) && !/allowReconfigure/.test(next))
      next = next.replace("    enabled: true\n", "    enabled: true\n    allowReconfigure: true\n");
    if (next === text) next = text.replace("labels: { ring: canary }", 'labels: { ring: canary, release: "2110" }');
    changed[file] = next;
  }
  return changed;
}

async function waitUntil<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function progressLine(entry: JournalEntry): string | undefined {
  if (entry.action === "observe" || entry.action === "verify") return entry.status === "started" ? `${entry.action}` : undefined;
  if (entry.action === "outcome") return `=> ${entry.status}${entry.message ? `: ${entry.message}` : ""}`;
  if (entry.status === "retrying") return `   step ${entry.step} ${entry.action}${entry.vm ? ` ${entry.vm}` : ""}: retrying (${entry.message ?? ""})`;
  return `   step ${entry.step} ${entry.action}${entry.vm ? ` ${entry.vm}` : ""}: ${entry.status}`;
}

async function followProgress(h: Harness, devices: string[], commit: string, done: () => boolean): Promise<void> {
  const seen = new Map<string, number>();
  const width = Math.max(...devices.map((d) => d.length));
  for (;;) {
    const finished = done();
    for (const device of devices) {
      const entries = (await h.journal.history(h.repository, device)).filter((e) => e.commit === commit).sort((a, b) => (a.at < b.at ? -1 : 1));
      for (const entry of entries.slice(seen.get(device) ?? 0)) {
        const line = progressLine(entry);
        if (line) say(`  ${elapsed()}  ${device.padEnd(width)}  ${line}`);
      }
      seen.set(device, entries.length);
    }
    if (finished) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<number> {
  say("ase-gitops demo: a fleet repository, 8 simulated Azure Stack Edge Pro GPU devices, the");
  say("controller in the local Functions runtime, and a loopback GitHub API. No cloud account;");
  say("nothing leaves this machine.");

  step("Starting Azurite, the device simulator, the loopback GitHub API and the local runtime...");
  const observed = ObservedState.parse(JSON.parse(await readFile(join(ROOT, "examples", "observed.json"), "utf8")));
  const h = await startHarness({
    fleet: FLEET,
    observed,
    // Real durations at 1/1000 (a VM create about a second, the update about five), unless
    // ASE_GITOPS_SIM_TIME_SCALE says otherwise (the test suite runs faster).
    simulator: { targetRelease: TARGET_RELEASE, latencyMs: 20, ...(process.env.ASE_GITOPS_SIM_TIME_SCALE ? {} : { timeScale: 0.001 }) },
    leaseSeconds: 10,
  });
  try {
    say(
      `    runtime ${h.runtimeUrl()}, simulator ${h.simulator.origin} (${Object.keys(h.simulator.devices).length} devices), GitHub API ${h.github.url}`,
    );

    step(`Pull request #${PR_NUMBER} "Roll the fleet out to ${TARGET_RELEASE}": signed pull_request webhook`);
    const head = await h.pullRequest(PR_NUMBER, "rollout-2110", rollout(h.files), `Roll the fleet out to ${TARGET_RELEASE}`);
    const comment = await waitUntil(
      "the plan comment",
      () => h.github.comments.find((c) => c.issue === PR_NUMBER && c.body.includes("ase-gitops:plan")),
      60_000,
    );
    const planCheck = await h.waitForCheckRun("ase-gitops/plan", head, 60_000);
    say(`    check run ase-gitops/plan: ${planCheck.conclusion}; the comment GitHub received:\n`);
    say(indent(comment.body));

    step(`Merging #${PR_NUMBER}: signed push webhook for the default branch; devices converge:`);
    const { after } = await h.merge(PR_NUMBER, "rollout-2110");
    const devices = Object.keys(h.simulator.devices).sort();
    let applyRun: Awaited<ReturnType<Harness["waitForCheckRun"]>> | undefined;
    const waiting = h.waitForCheckRun("ase-gitops/apply", after, 90_000).then((run) => {
      applyRun = run;
    });
    await followProgress(h, devices, after, () => applyRun !== undefined);
    await waiting;
    say(`\n    check run ase-gitops/apply: ${applyRun!.conclusion}`);
    say(indent(applyRun!.output.summary ?? ""));
    const applyComment = h.github.comments.find((c) => c.issue === PR_NUMBER && c.body.includes("ase-gitops:apply"));
    if (applyComment) say(`\n    comment on #${PR_NUMBER}: ${applyComment.body.split("\n")[1]}`);

    step("Final GPU claims per device (from the simulated devices):");
    for (const device of devices) {
      const claims = h.simulator.claims(device);
      say(
        `    ${device.padEnd(11)} ${claims.totalGpus} GPU${claims.totalGpus === 1 ? " " : "s"}  release ${claims.softwareVersion ?? "?"}  ${describeClaims(gpuClaims(claims))}`,
      );
    }
    step(`Done: ${applyRun!.conclusion === "success" ? "every device converged" : "some devices did not converge"}.`);
    return applyRun!.conclusion === "success" ? 0 : 1;
  } finally {
    await h.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
