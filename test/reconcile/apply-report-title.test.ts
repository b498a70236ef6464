/**
 * Issue 15, item 12: the apply check run's title counts converged, failed, refused and
 * invalid devices apart ("12 of 43 devices failed" used to count refusals as failures).
 */
import { describe, expect, it } from "vitest";
import type { DeviceResult, ReconcileRun } from "../../shared/adapters/store/reconcile-runs.js";
import { conclusionFor, renderApplyReport } from "../../shared/use-cases/reconcile-push/apply-report.js";

const run: ReconcileRun = {
  repository: "octo/fleet",
  commit: "0123456789abcdef0123456789abcdef01234567",
  deliveryId: "d-1",
  devices: [],
  completed: true,
  createdAt: "2026-12-02T00:00:00Z",
};

function results(counts: Partial<Record<DeviceResult["outcome"], number>>): DeviceResult[] {
  return Object.entries(counts).flatMap(([outcome, n]) =>
    Array.from({ length: n }, (_, i) => ({
      device: `${outcome}-${i}`,
      file: `devices/${outcome}-${i}.yaml`,
      outcome: outcome as DeviceResult["outcome"],
      updatedAt: run.createdAt,
    })),
  );
}

describe("apply check run title", () => {
  it("counts refused devices apart from failed ones", () => {
    const title = renderApplyReport(run, results({ converged: 31, failed: 8, refused: 4 })).title;
    expect(title).toBe("31 of 43 devices converged, 8 failed, 4 refused");
  });

  it("names invalid manifests, stale and unmanaged devices, and leaves out what did not happen", () => {
    const title = renderApplyReport(run, results({ converged: 2, invalid: 1, "skipped-stale": 1, unmanaged: 1 })).title;
    expect(title).toBe("2 of 5 devices converged, 1 invalid manifest, 1 skipped (stale), 1 no longer managed");
    expect(title).not.toMatch(/failed|refused/);
  });

  it("all converged reads as before, and one device is singular", () => {
    expect(renderApplyReport(run, results({ converged: 2 })).title).toBe("2 of 2 devices converged");
    expect(renderApplyReport(run, results({ refused: 1 })).title).toBe("0 of 1 device converged, 1 refused");
  });

  it("shows progress until every device is done; refusals still fail the check", () => {
    const running = results({ converged: 1, running: 1, refused: 1 });
    expect(renderApplyReport(run, running).title).toBe("Applying: 2 of 3 devices done");
    expect(conclusionFor(results({ converged: 1, refused: 1 }))).toBe("failure");
  });
});
