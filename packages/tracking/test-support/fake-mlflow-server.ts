/**
 * A local stand-in for `mlflow server` (REST API 2.0, spec §3) on 127.0.0.1 with an ephemeral port.
 * It validates requests the way the real handlers do (methods, paths, required JSON fields,
 * log-batch limits, finalize needing model_id in the body) and records every request.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  json: Record<string, unknown> | undefined;
  bytes: Buffer;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

export interface FakeMlflow {
  url: string;
  requests: Recorded[];
  /** Replies returned (in order) before normal handling, for requests whose `METHOD path` matches (`*` at the end: prefix). */
  inject(match: string, ...replies: Reply[]): void;
  /** Pretend to be an MLflow 2.x server: no logged-models / runs/outputs endpoints. */
  legacy: boolean;
  artifacts: Map<string, Buffer>;
  close(): Promise<void>;
}

const error = (status: number, code: string, message: string): Reply => ({
  status,
  body: { error_code: code, message },
});

export async function startFakeMlflow(): Promise<FakeMlflow> {
  const requests: Recorded[] = [];
  const injected = new Map<string, Reply[]>();
  const experiments = new Map<string, { id: string; name: string }>();
  const runs = new Map<string, { experimentId: string; tags: Map<string, string> }>();
  const artifacts = new Map<string, Buffer>();
  let counter = 0;
  const state = { legacy: false };

  const handle = (r: Recorded): Reply => {
    const key = `${r.method} ${r.path}`;
    for (const [match, queue] of injected) {
      const hit = match.endsWith("*") ? key.startsWith(match.slice(0, -1)) : key === match;
      if (hit && queue.length > 0) return queue.shift() as Reply;
    }
    const j = r.json ?? {};
    const api = "/api/2.0/mlflow";
    if (key === `GET ${api}/experiments/get-by-name`) {
      const found = [...experiments.values()].find((e) => e.name === r.query.experiment_name);
      if (!found)
        return error(
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Could not find experiment with name '${r.query.experiment_name}'`,
        );
      return {
        status: 200,
        body: {
          experiment: { experiment_id: found.id, name: found.name, lifecycle_stage: "active", tags: [] },
        },
      };
    }
    if (key === `POST ${api}/experiments/create`) {
      if (typeof j.name !== "string" || !j.name)
        return error(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'");
      if ([...experiments.values()].some((e) => e.name === j.name)) {
        return error(400, "RESOURCE_ALREADY_EXISTS", `Experiment '${j.name}' already exists.`);
      }
      const id = String(100 + experiments.size);
      experiments.set(id, { id, name: j.name });
      return { status: 200, body: { experiment_id: id } };
    }
    if (key === `POST ${api}/runs/create`) {
      if (!experiments.has(String(j.experiment_id)))
        return error(404, "RESOURCE_DOES_NOT_EXIST", "No Experiment");
      const runId = (++counter).toString(16).padStart(32, "0");
      const tags = new Map((j.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]));
      runs.set(runId, { experimentId: String(j.experiment_id), tags });
      const artifactUri = `mlflow-artifacts:/${j.experiment_id}/${runId}/artifacts`;
      return {
        status: 200,
        body: {
          run: {
            info: {
              run_id: runId,
              run_uuid: runId,
              experiment_id: j.experiment_id,
              artifact_uri: artifactUri,
            },
            data: {},
          },
        },
      };
    }
    if (key === `GET ${api}/runs/get`) {
      const run = runs.get(r.query.run_id ?? "");
      if (!run) return error(404, "RESOURCE_DOES_NOT_EXIST", "Run not found");
      return {
        status: 200,
        body: {
          run: {
            info: {
              run_id: r.query.run_id,
              experiment_id: run.experimentId,
              artifact_uri: `mlflow-artifacts:/${run.experimentId}/${r.query.run_id}/artifacts`,
            },
            data: { tags: [...run.tags].map(([k, v]) => ({ key: k, value: v })) },
          },
        },
      };
    }
    if (key === `POST ${api}/runs/log-batch`) {
      const metrics = (j.metrics as unknown[]) ?? [];
      const params = (j.params as { key: string }[]) ?? [];
      const tags = (j.tags as { key: string; value: string }[]) ?? [];
      if (params.length > 100)
        return error(
          400,
          "INVALID_PARAMETER_VALUE",
          "A batch logging request can contain at most 100 params",
        );
      if (tags.length > 100)
        return error(400, "INVALID_PARAMETER_VALUE", "A batch logging request can contain at most 100 tags");
      if (metrics.length > 1000) return error(400, "INVALID_PARAMETER_VALUE", "at most 1000 metrics");
      if (metrics.length + params.length + tags.length > 1000)
        return error(400, "INVALID_PARAMETER_VALUE", "at most 1000 entities");
      if (new Set(params.map((p) => p.key)).size !== params.length)
        return error(400, "INVALID_PARAMETER_VALUE", "Duplicate params");
      const run = runs.get(String(j.run_id));
      if (!run) return error(404, "RESOURCE_DOES_NOT_EXIST", "Run not found");
      for (const t of tags) run.tags.set(t.key, t.value);
      return { status: 200, body: {} };
    }
    if (key === `POST ${api}/runs/update`) {
      if (!["FINISHED", "FAILED", "KILLED", "RUNNING"].includes(String(j.status)))
        return error(400, "INVALID_PARAMETER_VALUE", "bad status");
      return { status: 200, body: { run_info: { run_id: j.run_id, status: j.status } } };
    }
    if (!state.legacy && key === `POST ${api}/logged-models`) {
      const modelId = `m-${(++counter).toString(16).padStart(32, "0")}`;
      return {
        status: 200,
        body: {
          model: {
            info: {
              model_id: modelId,
              artifact_uri: `mlflow-artifacts:/${j.experiment_id}/models/${modelId}/artifacts`,
              status: "LOGGED_MODEL_PENDING",
            },
          },
        },
      };
    }
    if (!state.legacy && key === `POST ${api}/runs/outputs`) return { status: 200, body: {} };
    if (!state.legacy && r.method === "PATCH" && r.path.startsWith(`${api}/logged-models/`)) {
      if (!j.model_id)
        return error(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'model_id'");
      return { status: 200, body: { model: { info: { model_id: j.model_id, status: j.status } } } };
    }
    const prefix = "/api/2.0/mlflow-artifacts/artifacts/";
    if (r.method === "PUT" && r.path.startsWith(prefix)) {
      artifacts.set(decodeURIComponent(r.path.slice(prefix.length)), r.bytes);
      return { status: 200, body: {} };
    }
    return { status: 404, body: "<!doctype html><title>404 Not Found</title>" };
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const bytes = Buffer.concat(chunks);
      let json: Record<string, unknown> | undefined;
      if (req.headers["content-type"] === "application/json") json = JSON.parse(bytes.toString("utf8"));
      const recorded: Recorded = {
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        json,
        bytes,
      };
      requests.push(recorded);
      const reply = handle(recorded);
      const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status, {
        "Content-Type": typeof reply.body === "string" ? "text/html" : "application/json",
        ...reply.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    artifacts,
    get legacy() {
      return state.legacy;
    },
    set legacy(value: boolean) {
      state.legacy = value;
    },
    inject(match, ...replies) {
      injected.set(match, [...(injected.get(match) ?? []), ...replies]);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
