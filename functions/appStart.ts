/**
 * Checks every app setting when the worker starts, so a misconfigured deployment fails at
 * once with one line per problem instead of at the first webhook.
 */
import { app } from "@azure/functions";
import { deviceSettingsFromEnv } from "../shared/composition/device-settings.js";
import { loadSettings } from "../shared/composition/settings.js";

app.hook.appStart(() => {
  try {
    loadSettings(process.env);
    // The device settings too (retries, CA file, VM admin): wrong ones fail here, not mid-apply.
    deviceSettingsFromEnv(process.env);
  } catch (error) {
    console.error((error as Error).message);
    throw error;
  }
});
