import { findCatboost } from "@ct/catboost-cli";
import type { Settings } from "@ct/config";
import { openTracking, type TrackingClient } from "@ct/tracking";
import type { EngineOptions } from "@ct/training";

/** The catboost binary: CATBOOST_BIN, else `catboost` on PATH, else none. */
export function engineOptionsOf(settings: Settings): EngineOptions {
  const catboostBin = findCatboost({
    ...(settings.catboostBin ? { catboostBin: settings.catboostBin } : {}),
    path: settings.executableSearchPath,
  });
  return catboostBin ? { catboostBin } : {};
}

/** The MLflow client the settings name (file store or REST). */
export function trackingOf(
  settings: Settings,
  cwd: string,
  onWarning: (message: string) => void,
): Promise<TrackingClient> {
  return openTracking({
    trackingUri: settings.mlflowTrackingUri,
    cwd,
    token: settings.mlflowTrackingToken,
    username: settings.mlflowTrackingUsername,
    password: settings.mlflowTrackingPassword,
    sourceName: "ct-train",
    onWarning,
  });
}
