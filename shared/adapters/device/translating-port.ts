/**
 * The device adapter's error boundary: whatever a port method throws or rejects with (an SDK
 * RestError, a socket error, an MSAL failure) leaves as a DeviceError (translateError), so
 * the use cases branch on codes and never see a provider's error.
 */
import type { DevicePort } from "../../ports/device.js";
import { translateError } from "./errors.js";

export function translatingPort(port: DevicePort, device: string): DevicePort {
  return new Proxy(port, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = Reflect.apply(value, target, args);
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(translateError(error, device))) : result;
        } catch (error) {
          throw translateError(error, device);
        }
      };
    },
  });
}
