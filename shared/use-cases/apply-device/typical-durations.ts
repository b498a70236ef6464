/**
 * How long each kind of step usually takes on a real device (domain.md §6): shown on the
 * check run next to a running step, so a person knows whether a wait is normal.
 */
const TYPICAL_MINUTES: ReadonlyMap<string, number> = new Map([
  ["createVm", 18],
  ["installGpuExtension", 10],
  ["configureKubernetes", 25],
  ["removeKubernetes", 10],
  ["updateSoftware", 85],
  ["startVm", 3],
  ["deallocateVm", 3],
  ["resizeVm", 3],
  ["deleteVm", 5],
]);

/** "createVm web, started 06:52:01 UTC (usually about 18 min)". */
export function runningStepMessage(action: string, vm: string | undefined, startedAt: Date): string {
  const minutes = TYPICAL_MINUTES.get(action);
  const time = startedAt.toISOString().slice(11, 19);
  return `${action}${vm ? ` ${vm}` : ""}, started ${time} UTC${minutes ? ` (usually about ${minutes} min)` : ""}`;
}
