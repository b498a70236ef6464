/** The device adapters' public surface. */
export { assertAllowed, isAllowedEndpoint, parseAllowList } from "../core/trust/allow-list.js";
export { type ApplyOptions, type ApplyResult, type PlanFn, type ProgressEvent, applyDevice } from "../use-cases/apply-device/apply-device.js";
export { createArmDevicePort } from "../adapters/device/arm-port.js";
export { connectDevice } from "../adapters/device/connect.js";
export { DeviceError, type DeviceErrorCode, translateError } from "../adapters/device/errors.js";
export { type DeviceTarget, type FleetObservation, applyFleet, mapLimit, observeFleet } from "../use-cases/apply-device/fleet.js";
export { observe } from "../use-cases/observe-device/observe.js";
export type { DevicePort } from "../ports/device.js";
export { type DeviceSettings, deviceSettingsFromEnv } from "./device-settings.js";
