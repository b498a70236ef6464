/**
 * Retries transient DeviceErrors with exponential backoff and full jitter, honouring the
 * server's Retry-After when it gives one. Terminal errors are thrown at once.
 */
import { type DeviceError, translateError } from "../../adapters/device/errors.js";

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (error: DeviceError, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(what: string, run: () => Promise<T>, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const error = translateError(err, what);
      if (!error.transient || attempt >= options.attempts) throw error;
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1)) * random();
      const delay = error.details.retryAfterMs !== undefined ? Math.min(options.maxDelayMs, error.details.retryAfterMs) : backoff;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
