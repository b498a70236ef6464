import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start servers (simulator, Azurite, loopback GitHub): keep the
    // 2-core machine from being oversubscribed.
    maxWorkers: 2,
    // Simulated device operations at real durations times this (an 18-minute VM create takes
    // about 0.1 s): ratios stay real, the suite stays fast. Tests that need slower ones set
    // `timeScale` themselves.
    env: { ASE_GITOPS_SIM_TIME_SCALE: "0.0001" },
    reporters: ["default", "json"],
    outputFile: { json: ".cache/vitest-report.json" },
  },
});
