/**
 * The api-versions the simulated device serves (domain.md §5: ARM profile 2019-03-01-hybrid)
 * and the cloud DataBoxEdge provider versions. Anything else is refused the way ARM refuses it.
 */
import { ArmHttpError, armError } from "./arm-errors.js";

const CORE = ["2020-06-01", "2019-10-01", "2018-05-01"];

export const SUPPORTED_API_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  "microsoft.resources": CORE,
  "microsoft.compute": ["2017-12-01", "2017-03-30"],
  "microsoft.network": ["2017-10-01"],
  "microsoft.storage": ["2019-06-01"],
  // @azure/arm-databoxedge 2.1.0 sends 2021-06-01; deviceCapacityInfo exists from 2022-03-01.
  "microsoft.databoxedge": ["2021-06-01", "2022-03-01", "2023-07-01", "2023-12-01"],
};

/** Namespace of the last `/providers/{ns}/` in the path, or microsoft.resources for core paths. */
export function providerOf(segments: readonly string[]): string {
  let provider = "microsoft.resources";
  for (let i = 0; i < segments.length - 1; i++) {
    if (segments[i]!.toLowerCase() === "providers") provider = segments[i + 1]!.toLowerCase();
  }
  return provider;
}

export function checkApiVersion(segments: readonly string[], apiVersion: string | null, resourceType: string): ArmHttpError | undefined {
  if (!apiVersion) {
    return armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
  }
  const provider = providerOf(segments);
  const supported = SUPPORTED_API_VERSIONS[provider];
  if (!supported) {
    return armError(404, "MissingSubscriptionRegistration", `The subscription is not registered to use namespace '${provider}'.`);
  }
  if (supported.includes(apiVersion)) return undefined;
  if (provider === "microsoft.resources") {
    return armError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${apiVersion}' is invalid. The supported versions are '${supported.join(",")}'.`,
    );
  }
  return armError(
    400,
    "NoRegisteredProviderFound",
    `No registered resource provider found for location 'dbelocal' and API version '${apiVersion}' for type '${resourceType}'. ` +
      `The supported api-versions are '${supported.join(", ")}'. The supported locations are 'dbelocal'.`,
  );
}
