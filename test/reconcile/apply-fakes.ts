/**
 * In-memory stand-ins for the apply job's dependencies: a git history, the stores, the
 * queue, and a device whose operations take a given number of checks. Each fake fails the
 * test by throwing when it is used in a way the real one would refuse.
 */
import type { ApplyJobDeps } from "../../shared/use-cases/apply-device/apply-job.js";
import type { ApplyJob } from "../../shared/core/messages/apply.js";
import type { DeviceAction, DevicePort, OperationProgress, OperationRef, VmRecord } from "../../shared/ports/device.js";
import { DeviceError } from "../../shared/adapters/device/errors.js";
import { DEFAULT_RETRY } from "../../shared/use-cases/observe-device/retry.js";
import type { DeviceSettings } from "../../shared/composition/device-settings.js";
import { extensionDeploymentName, vmDeploymentName } from "../../shared/core/device/templates.js";
import type { CachedRepo, RepoCache } from "../../shared/adapters/git/repo-cache.js";
import type { ApplyJournal, JournalEntry } from "../../shared/adapters/store/apply-journal.js";
import { createApplyLocks, memoryLockRows } from "../../shared/adapters/store/apply-locks.js";
import type { DeviceResult, DeviceState, ReconcileRuns } from "../../shared/adapters/store/reconcile-runs.js";
import { deviceManifest, vmEntry } from "../e2e/fleet-fixtures.js";

export const REPO = "octo/fleet";
export const sha = (n: number) => n.toString(16).padStart(40, "0");

/** A linear history: commit n's parent is n-1; files per commit. */
export function fakeRepo(files: Map<string, Record<string, string>>): RepoCache {
  const order = [...files.keys()];
  const repo: CachedRepo = {
    dir: "/nowhere",
    fetch: async () => undefined,
    hasCommit: async (rev) => files.has(rev),
    resolve: async (rev) => rev,
    mergeBase: async (a, b) => (order.indexOf(a) <= order.indexOf(b) ? a : b),
    diffNameStatus: async () => "",
    show: async (rev, path) => files.get(rev)?.[path],
    worktree: async () => {
      throw new Error("not used");
    },
  };
  return {
    open: async () => repo,
    loadFleet: async () => {
      throw new Error("not used");
    },
  };
}

export function memoryJournal(): ApplyJournal & { entries: JournalEntry[] } {
  const entries: JournalEntry[] = [];
  return {
    entries,
    append: async (entry) => void entries.push({ ...entry, at: entry.at ?? new Date().toISOString() }),
    history: async (_r, device) => entries.filter((e) => e.device === device),
    devices: async () => [],
  };
}

export function memoryRuns(): ReconcileRuns & { states: Map<string, DeviceState>; resultRows: Map<string, DeviceResult> } {
  const states = new Map<string, DeviceState>();
  const resultRows = new Map<string, DeviceResult>();
  return {
    states,
    resultRows,
    createRun: async () => {
      throw new Error("not used");
    },
    getRun: async () => undefined,
    setCheckRun: async () => undefined,
    claimCompletion: async () => false,
    putResult: async (_r, commit, result) => void resultRows.set(`${commit}:${result.device}`, { ...result, updatedAt: new Date().toISOString() }),
    results: async (_r, commit) => [...resultRows.entries()].filter(([k]) => k.startsWith(`${commit}:`)).map(([, v]) => v),
    deviceState: async (_r, device) => ({ ...(states.get(device) ?? {}) }),
    putDeviceState: async (_r, device, state) => void states.set(device, { ...(states.get(device) ?? {}), ...state }),
  };
}

interface FakeOperation {
  checksLeft: number;
  effect: () => void;
  fail?: { code: string; message: string; transient: boolean };
}

/** A device with VMs and operations that end after `checks` looks each. */
export function fakeDevice(name: string, options: { checks?: number; gpus?: number } = {}) {
  const vms = new Map<string, VmRecord>();
  const operations = new Map<string, FakeOperation>();
  const deployments = new Map<string, string>();
  const submissions: string[] = [];
  let next = 0;
  let failNext: FakeOperation["fail"] | undefined;
  const hooks: { onCheck?: () => void; onObserve?: () => void } = {};
  const start = (effect: () => void): OperationRef => {
    const id = `op-${++next}`;
    operations.set(id, { checksLeft: options.checks ?? 2, effect, ...(failNext ? { fail: failNext } : {}) });
    failNext = undefined;
    return { kind: "async", url: `https://device.test/operations/${id}`, what: id };
  };
  const idOf = (ref: OperationRef) => (ref.kind === "deployment" ? deployments.get(ref.name)! : ref.url.split("/").pop()!);
  const port: DevicePort = {
    name,
    listVms: async () => {
      hooks.onObserve?.();
      return [...vms.values()].map((vm) => ({ ...vm }));
    },
    kubernetesRole: async () => ({ configured: false }),
    gpuCapacity: async () => ({ total: options.gpus ?? 2, used: 0, free: options.gpus ?? 2 }),
    softwareVersion: async () => "2106",
    deploy: async () => {
      throw new Error("the resumable apply never waits for a deployment");
    },
    beginDeploy: async (deployment, _template, parameters) => {
      const running = deployments.get(deployment);
      if (running && operations.get(running)!.checksLeft > 0) return { kind: "deployment", name: deployment };
      submissions.push(deployment);
      const vm = String(parameters.vmName ?? "");
      const ref = start(() => {
        if (deployment.endsWith("-vm"))
          vms.set(vm, { name: vm, size: String(parameters.vmSize), power: "running", managed: true, gpuExtension: "none" });
        else {
          const target = [...vms.values()].find((v) => extensionDeploymentName(v.name) === deployment);
          if (target) target.gpuExtension = "succeeded";
        }
      });
      deployments.set(deployment, idOf(ref));
      return { kind: "deployment", name: deployment };
    },
    beginAction: async (action: DeviceAction) => {
      submissions.push(action.kind);
      return start(() => {
        if (action.kind === "deallocateVm") vms.get(action.vm)!.power = "deallocated";
        if (action.kind === "startVm") vms.get(action.vm)!.power = "running";
        if (action.kind === "deleteVm") vms.delete(action.vm);
      });
    },
    checkOperation: async (ref): Promise<OperationProgress> => {
      hooks.onCheck?.();
      const op = operations.get(idOf(ref));
      if (!op) return { state: "succeeded" };
      if (op.checksLeft > 0) {
        op.checksLeft--;
        if (op.checksLeft > 0) return { state: "running", retryAfterSec: 30 };
        if (op.fail) return { state: "failed", ...op.fail };
        op.effect();
      }
      return op.fail ? { state: "failed", ...op.fail } : { state: "succeeded" };
    },
    deleteDeployment: async () => undefined,
    startVm: async () => undefined,
    deallocateVm: async () => undefined,
    powerOffVm: async () => undefined,
    deleteVm: async () => undefined,
    resizeVm: async () => undefined,
    deleteNic: async () => undefined,
    configureKubernetes: async () => undefined,
    removeKubernetes: async () => undefined,
    downloadUpdates: async () => undefined,
    installUpdates: async () => undefined,
  };
  return {
    port,
    vms,
    submissions,
    hooks,
    /** The next operation started ends Failed. */
    failNextOperation(fail: FakeOperation["fail"]) {
      failNext = fail;
    },
    addVm(vm: VmRecord) {
      vms.set(vm.name, vm);
    },
  };
}

export type FakeDevice = ReturnType<typeof fakeDevice>;

export const deviceSettings = {
  retry: { ...DEFAULT_RETRY, attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  vmAdminUser: "azureuser",
  windowsDriver: { url: "https://example.invalid/driver", certificateUrl: "https://example.invalid/cert" },
} as unknown as DeviceSettings;

/** A manifest with these CPU VMs (no GPU extension to wait for). */
export const manifestWith = (name: string, vms: string[]) =>
  deviceManifest(name, 2, `  virtualMachines:\n${vms.map((v) => vmEntry(v, "Standard_D2_v2")).join("")}`);

export function harness(options: { device: FakeDevice; files: Map<string, Record<string, string>> }) {
  let clock = 1_000_000;
  const rows = memoryLockRows();
  const journal = memoryJournal();
  const runs = memoryRuns();
  const queued: Array<{ job: ApplyJob; delaySeconds: number }> = [];
  const reports: string[] = [];
  const deps: ApplyJobDeps = {
    repos: fakeRepo(options.files),
    gitToken: async () => undefined,
    locks: createApplyLocks(rows, () => clock),
    journal,
    runs,
    requeue: async (_q, job, delaySeconds) => void queued.push({ job, delaySeconds }),
    connect: () => ({ port: options.device.port }),
    deviceSettings,
    report: async (_r, commit) => void reports.push(commit),
    settings: { budgetMs: 5_000, pollMs: 30_000, inlineWaitMs: 0, ownerLeaseMs: 600_000, lockRetryMs: 10_000, failureBackoffMs: 5_000 },
    now: () => clock,
  };
  return {
    deps,
    rows,
    journal,
    runs,
    queued,
    reports,
    advance(ms: number) {
      clock += ms;
    },
    /** Takes the last requeued message (what the queue would deliver next). */
    nextJob(): ApplyJob {
      const item = queued.pop();
      if (!item) throw new Error("nothing was requeued");
      return item.job;
    },
  };
}

export function job(commit: string, device = "dev", over: Partial<ApplyJob> = {}): ApplyJob {
  return {
    version: 1,
    kind: "apply",
    deliveryId: "d1",
    repository: { fullName: REPO, cloneUrl: "https://example.invalid/octo/fleet.git", defaultBranch: "main" },
    commit,
    device,
    file: `${device}.yaml`,
    reason: "merge",
    requeues: 0,
    failures: 0,
    waits: 0,
    ...over,
  };
}

export { DeviceError, vmDeploymentName };
