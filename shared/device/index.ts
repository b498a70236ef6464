/** The device adapters' public surface. */
export { assertAllowed, isAllowedEndpoint, parseAllowList } from "./allow-list.js";
export { type ApplyOptions, type ApplyResult, type PlanFn, type ProgressEvent, applyDevice } from "./apply.js";
export { createArmDevicePort } from "./arm-port.js";
export { connectDevice } from "./connect.js";
export { DeviceError, type DeviceErrorCode, translateError } from "./errors.js";
export { type DeviceTarget, type FleetObservation, applyFleet, mapLimit, observeFleet } from "./fleet.js";
export { observe } from "./observe.js";
export type { DevicePort } from "./port.js";
export { type DeviceSettings, deviceSettingsFromEnv } from "./settings.js";
