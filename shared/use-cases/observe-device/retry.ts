/**
 * Retries transient DeviceErrors with exponential backoff and full jitter, honouring the
 * server's Retry-After when it gives one. Terminal errors are thrown at once.
 */
import { asDeviceError } from "../../core/errors/device-error.js";
import type { RetryOptions } from "../../ports/device.js";

export type { RetryOptions } from "../../ports/device.js";

export const DEFAULT_RETRY: RetryOptions = { attempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(what: string, run: () => Promise<T>, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const error = asDeviceError(err, what);
      if (!error.transient || attempt >= options.attempts) throw error;
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1)) * random();
      const delay = error.details.retryAfterMs !== undefined ? Math.min(options.maxDelayMs, error.details.retryAfterMs) : backoff;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
