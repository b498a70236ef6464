import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start servers (simulator, Azurite, loopback GitHub): keep the
    // 2-core machine from being oversubscribed.
    maxWorkers: 2,
    reporters: ["default", "json"],
    outputFile: { json: ".cache/vitest-report.json" },
  },
});
