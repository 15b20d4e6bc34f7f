/** The compose stack's network (docs/containers.md), unless `CT_NETWORK` renames it. */
export const COMPOSE_NETWORK = "ct_default";

/** True for `localhost`, `127.x.x.x` and `::1`: this machine, which a container's own loopback is not. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

export interface NetworkChoice {
  readonly network: string;
  /** Why, for the progress line. */
  readonly reason: string;
}

/**
 * The network the step containers join. `requested` (`--network`) wins. Otherwise: when a URL
 * the steps use (feature store, MLflow server) names this machine (127.0.0.1, localhost), the
 * host's network — the only one from which a container reaches the host's loopback; else the
 * compose stack's network when it exists (the feature store is `feature-store:3306` there); else
 * Docker's default bridge (a feature store on another host, by name or address).
 */
export function chooseNetwork(input: {
  readonly requested?: string | undefined;
  readonly urls: readonly string[];
  readonly composeNetwork: string;
  readonly composeNetworkExists: boolean;
}): NetworkChoice {
  if (input.requested) return { network: input.requested, reason: "--network" };
  for (const text of input.urls) {
    let host: string;
    try {
      host = new URL(text).hostname;
    } catch {
      continue;
    }
    if (isLoopbackHost(host)) {
      return {
        network: "host",
        reason: `${host} is this machine: containers share the host's network to reach it`,
      };
    }
  }
  if (input.composeNetworkExists) {
    return { network: input.composeNetwork, reason: "the compose stack's network" };
  }
  return { network: "bridge", reason: `no ${input.composeNetwork} network; Docker's default bridge` };
}
