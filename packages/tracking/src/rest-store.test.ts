import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type FakeMlflow, startFakeMlflow } from "../test-support/fake-mlflow-server.ts";
import { MlflowRestError, TrackingValidationError } from "./errors.ts";
import { openTracking } from "./open-tracking.ts";
import { LOG_BATCH_LIMITS } from "./rest-batches.ts";
import { proxyArtifactPath, RestStore, type RestStoreOptions } from "./rest-store.ts";

let server: FakeMlflow;
let sleeps: number[];
const T0 = 1_763_546_400_000;

beforeEach(async () => {
  server = await startFakeMlflow();
  sleeps = [];
});
afterEach(() => server.close());

const client = (extra: Partial<RestStoreOptions> = {}): RestStore =>
  new RestStore({
    baseUrl: server.url,
    user: "builder",
    now: () => T0,
    retry: { maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 1000 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });

const calls = (): string[] => server.requests.map((r) => `${r.method} ${r.path}`);

async function startRun(store: RestStore): Promise<{ experimentId: string; runId: string }> {
  const experimentId = await store.getOrCreateExperiment("training-2025-01-01-000000");
  const runId = await store.createRun({ experimentId, runName: "Run 1", startTime: T0 });
  server.requests.length = 0;
  return { experimentId, runId };
}

describe("RestStore experiments and runs", () => {
  it("gets an experiment by name, creates it when missing (404 RESOURCE_DOES_NOT_EXIST)", async () => {
    const store = client();
    const id = await store.getOrCreateExperiment("exp", { "mlflow.note.content": "ct" });
    expect(id).toBe("100");
    expect(await store.getOrCreateExperiment("exp")).toBe("100");
    expect(calls()).toEqual([
      "GET /api/2.0/mlflow/experiments/get-by-name",
      "POST /api/2.0/mlflow/experiments/create",
      "GET /api/2.0/mlflow/experiments/get-by-name",
    ]);
    expect(server.requests[0]?.query).toEqual({ experiment_name: "exp" });
    expect(server.requests[1]?.headers["content-type"]).toBe("application/json");
    expect(server.requests[1]?.json).toEqual({
      name: "exp",
      tags: [{ key: "mlflow.note.content", value: "ct" }],
    });
    await expect(store.createExperiment("exp")).rejects.toThrow(
      /HTTP 400 RESOURCE_ALREADY_EXISTS Experiment 'exp' already exists/,
    );
  });

  it("survives a create race: RESOURCE_ALREADY_EXISTS then get-by-name", async () => {
    const store = client();
    await client().createExperiment("raced");
    server.inject("GET /api/2.0/mlflow/experiments/get-by-name", {
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: "no" },
    });
    expect(await store.getOrCreateExperiment("raced")).toBe("100");
  });

  it("creates runs with experiment_id, user_id + mlflow.user, run_name, start_time and tags", async () => {
    const store = client();
    const experimentId = await store.createExperiment("e");
    const runId = await store.createRun({
      experimentId,
      runName: "Run 3",
      tags: { estimator_name: "CatBoost" },
    });
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    const body = server.requests.at(-1);
    expect(`${body?.method} ${body?.path}`).toBe("POST /api/2.0/mlflow/runs/create");
    expect(body?.json).toEqual({
      experiment_id: experimentId,
      user_id: "builder",
      run_name: "Run 3",
      start_time: T0,
      tags: [
        { key: "mlflow.user", value: "builder" },
        { key: "mlflow.source.name", value: "ct" },
        { key: "mlflow.source.type", value: "LOCAL" },
        { key: "mlflow.runName", value: "Run 3" },
        { key: "estimator_name", value: "CatBoost" },
      ],
    });
    await store.endRun(runId, "FINISHED", T0 + 10);
    expect(server.requests.at(-1)?.json).toEqual({ run_id: runId, status: "FINISHED", end_time: T0 + 10 });
    expect(server.requests.at(-1)?.path).toBe("/api/2.0/mlflow/runs/update");
  });
});

describe("RestStore log-batch", () => {
  it("splits a large batch within the API limits and keeps every item in order", async () => {
    const store = client();
    const { runId } = await startRun(store);
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    const tags = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, `v${i}`]));
    const metrics = Array.from({ length: 2500 }, (_, step) => ({
      key: "loss",
      value: 1 / (step + 1),
      step,
      timestamp: T0,
    }));
    await store.logBatch(runId, { params, tags, metrics });
    const bodies = server.requests.map(
      (r) => r.json as { run_id: string; metrics: unknown[]; params: unknown[]; tags: unknown[] },
    );
    expect(calls().every((c) => c === "POST /api/2.0/mlflow/runs/log-batch")).toBe(true);
    for (const body of bodies) {
      expect(body.run_id).toBe(runId);
      expect(body.params.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.params);
      expect(body.tags.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.tags);
      expect(body.metrics.length).toBeLessThanOrEqual(LOG_BATCH_LIMITS.metrics);
      expect(body.metrics.length + body.params.length + body.tags.length).toBeLessThanOrEqual(
        LOG_BATCH_LIMITS.total,
      );
    }
    expect(bodies.flatMap((b) => b.params)).toHaveLength(250);
    expect(bodies.flatMap((b) => b.tags)).toHaveLength(150);
    const sent = bodies.flatMap((b) => b.metrics) as { step: number }[];
    expect(sent.map((m) => m.step)).toEqual(metrics.map((m) => m.step));
    // 2900 entities: 3 calls, each with ≤ 100 params, ≤ 100 tags and metrics up to 1000 in all.
    expect(bodies.map((b) => [b.params.length, b.tags.length, b.metrics.length])).toEqual([
      [100, 100, 800],
      [100, 50, 850],
      [50, 0, 850],
    ]);
    expect(bodies[0]?.params).toEqual(
      Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: String(i) })),
    );
  });

  it("sends metrics as {key, value, timestamp, step} with NaN/Infinity as strings, params as strings", async () => {
    const store = client();
    const { runId } = await startRun(store);
    await store.logMetrics(runId, [
      { key: "F1:class Good", value: Number.NaN, step: 3, timestamp: 7 },
      { key: "x", value: Number.POSITIVE_INFINITY, step: 0, timestamp: 8 },
      { key: "Accuracy", value: 0.5 },
    ]);
    await store.logParams(runId, { depth: 7, rsm: 0.8 });
    expect(server.requests[0]?.json).toEqual({
      run_id: runId,
      metrics: [
        { key: "F1:class Good", value: "NaN", timestamp: 7, step: 3 },
        { key: "x", value: "Infinity", timestamp: 8, step: 0 },
        { key: "Accuracy", value: 0.5, timestamp: T0, step: 0 },
      ],
      params: [],
      tags: [],
    });
    expect(server.requests[1]?.json).toMatchObject({
      params: [
        { key: "depth", value: "7" },
        { key: "rsm", value: "0.8" },
      ],
    });
  });

  it("splits by body size (≤ 1 MB per request)", async () => {
    const store = client();
    const { runId } = await startRun(store);
    const tags = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`t${i}`, "x".repeat(7990)]));
    const params = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, "y".repeat(5990)]));
    await store.logBatch(runId, { params, tags });
    for (const r of server.requests)
      expect(r.bytes.byteLength).toBeLessThanOrEqual(LOG_BATCH_LIMITS.bodyBytes);
    expect(server.requests.length).toBeGreaterThan(1);
  });

  it("validates keys before sending anything", async () => {
    const store = client();
    const { runId } = await startRun(store);
    await expect(store.logMetrics(runId, [{ key: "F1:class=Good", value: 1 }])).rejects.toBeInstanceOf(
      TrackingValidationError,
    );
    await expect(store.logParams("not a run id", { a: 1 })).rejects.toThrow(/invalid run id "not a run id"/);
    expect(server.requests).toHaveLength(0);
  });
});

describe("RestStore retries and errors", () => {
  it("retries 503 (twice) with exponential backoff, then succeeds", async () => {
    const store = client();
    const experimentId = await store.createExperiment("e");
    server.requests.length = 0;
    server.inject(
      "POST /api/2.0/mlflow/runs/create",
      { status: 503, body: "busy" },
      { status: 503, body: "busy" },
    );
    const runId = await store.createRun({ experimentId, runName: "r" });
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(calls()).toEqual(Array(3).fill("POST /api/2.0/mlflow/runs/create"));
    expect(sleeps).toEqual([10, 20]);
  });

  it("honours Retry-After on 429, capped by maxDelayMs", async () => {
    const store = client();
    server.inject("POST /api/2.0/mlflow/experiments/create", {
      status: 429,
      body: { error_code: "REQUEST_LIMIT_EXCEEDED", message: "slow down" },
      headers: { "Retry-After": "30" },
    });
    expect(await store.createExperiment("e")).toBe("100");
    expect(sleeps).toEqual([1000]);
  });

  it("fails at once with status, error_code and message on 400", async () => {
    const store = client();
    const { runId } = await startRun(store);
    server.inject("POST /api/2.0/mlflow/runs/log-batch", {
      status: 400,
      body: {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Changing param values is not allowed. Param with key='depth'",
      },
    });
    const error = await store.logParams(runId, { depth: 8 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowRestError);
    const rest = error as MlflowRestError;
    expect(rest.status).toBe(400);
    expect(rest.errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect(rest.attempts).toBe(1);
    expect(rest.message).toBe(
      "MLflow POST /api/2.0/mlflow/runs/log-batch failed: HTTP 400 INVALID_PARAMETER_VALUE Changing param values is not allowed. Param with key='depth'",
    );
    expect(server.requests).toHaveLength(1);
  });

  it("gives up after the bounded number of attempts on persistent 500s", async () => {
    const store = client();
    const reply = { status: 500, body: { error_code: "INTERNAL_ERROR", message: "db down" } };
    server.inject("POST /api/2.0/mlflow/experiments/create", reply, reply, reply, reply, reply);
    await expect(store.createExperiment("e")).rejects.toThrow(
      /HTTP 500 INTERNAL_ERROR db down \(after 4 attempts\)/,
    );
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toEqual([10, 20, 40]);
  });

  it("retries a refused connection and then reports the server as unreachable", async () => {
    const url = server.url;
    await server.close();
    const store = new RestStore({
      baseUrl: url,
      retry: { maxAttempts: 3, initialDelayMs: 1 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const error = (await store.createExperiment("e").catch((e: unknown) => e)) as MlflowRestError;
    expect(error).toBeInstanceOf(MlflowRestError);
    expect(error.message).toMatch(
      /server unreachable at http:\/\/127\.0\.0\.1:\d+ after 3 attempt\(s\).*ECONNREFUSED/,
    );
    expect(error.status).toBeUndefined();
    expect(sleeps).toEqual([1, 2]);
    server = await startFakeMlflow(); // for afterEach
  });
});

describe("RestStore auth", () => {
  it("sends a bearer token", async () => {
    await client({ token: "s3cret-token" }).getExperimentByName("e");
    expect(server.requests[0]?.headers.authorization).toBe("Bearer s3cret-token");
  });

  it("moves user:pass out of the URL into basic auth and never shows the password", async () => {
    const url = server.url.replace("http://", "http://alice:p%40ss@");
    const store = await openTracking({ trackingUri: url, cwd: "/", retry: { maxAttempts: 1 } });
    expect(store.displayUri).toBe(server.url);
    expect(store.displayUri).not.toContain("p@ss");
    await store.getExperimentByName("e");
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("alice:p@ss").toString("base64")}`,
    );
    server.inject("POST /api/2.0/mlflow/experiments/create", { status: 403, body: "Forbidden" });
    const error = (await store.createExperiment("e").catch((e: unknown) => e)) as Error;
    expect(error.message).toBe("MLflow POST /api/2.0/mlflow/experiments/create failed: HTTP 403 Forbidden");
    expect(error.message).not.toContain("p@ss");
  });
});

describe("RestStore artifacts and models", () => {
  const signature = { inputs: [{ name: "age", type: "double" as const }] };
  const flavors = { ct_gbdt: { data: "model.json" } };

  it("maps mlflow-artifacts URIs to proxy paths", () => {
    expect(proxyArtifactPath("mlflow-artifacts:/1/abc/artifacts")).toBe("1/abc/artifacts");
    expect(proxyArtifactPath("mlflow-artifacts://host:5000/1/abc/artifacts")).toBe("1/abc/artifacts");
    expect(proxyArtifactPath("s3://bucket/1/abc")).toBeUndefined();
  });

  it("uploads artifacts with PUT to /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>", async () => {
    const store = client();
    const { experimentId, runId } = await startRun(store);
    await store.logArtifact(runId, "plots/confusion matrix.svg", "<svg/>");
    const put = server.requests[0];
    expect(put?.method).toBe("PUT");
    expect(put?.path).toBe(
      `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/plots/confusion%20matrix.svg`,
    );
    expect(put?.headers["content-type"]).toBe("application/octet-stream");
    expect(put?.bytes.toString()).toBe("<svg/>");
  });

  it("logs a model: LoggedModel create, uploads, runs/outputs, finalize PATCH with model_id, and the 2.x layout", async () => {
    const store = client();
    const { experimentId, runId } = await startRun(store);
    const info = await store.logModel(runId, {
      flavors,
      signature,
      files: { "model.json": "{}" },
      params: { depth: 7 },
      step: 2,
    });
    const modelId = info.modelId as string;
    expect(info).toEqual({ modelId, modelUri: `models:/${modelId}`, runModelUri: `runs:/${runId}/model` });
    expect(calls()).toEqual([
      "POST /api/2.0/mlflow/logged-models",
      `PUT /api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${modelId}/artifacts/model.json`,
      `PUT /api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/${modelId}/artifacts/MLmodel`,
      "POST /api/2.0/mlflow/runs/outputs",
      `PATCH /api/2.0/mlflow/logged-models/${modelId}`,
      `PUT /api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/model.json`,
      `PUT /api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/MLmodel`,
      "GET /api/2.0/mlflow/runs/get",
      "POST /api/2.0/mlflow/runs/log-batch",
    ]);
    expect(server.requests[0]?.json).toEqual({
      experiment_id: experimentId,
      name: "model",
      source_run_id: runId,
      params: [{ key: "depth", value: "7" }],
    });
    expect(server.requests[3]?.json).toEqual({ run_id: runId, models: [{ model_id: modelId, step: 2 }] });
    expect(server.requests[4]?.json).toEqual({ model_id: modelId, status: "LOGGED_MODEL_READY" });
    const mlmodel = parse(
      server.artifacts.get(`${experimentId}/models/${modelId}/artifacts/MLmodel`)?.toString() ?? "",
    );
    expect(mlmodel).toMatchObject({
      artifact_path: `mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`,
      model_id: modelId,
      run_id: runId,
      signature: { inputs: '[{"type": "double", "name": "age", "required": true}]' },
    });
    const runModel = parse(
      server.artifacts.get(`${experimentId}/${runId}/artifacts/model/MLmodel`)?.toString() ?? "",
    );
    expect(runModel.artifact_path).toBe("model");
    const tagCall = server.requests.at(-1)?.json as { tags: { key: string; value: string }[] };
    expect(tagCall.tags[0]?.key).toBe("mlflow.log-model.history");
    expect(JSON.parse(tagCall.tags[0]?.value ?? "")[0]).toMatchObject({
      run_id: runId,
      artifact_path: "model",
    });
  });

  it("falls back to the 2.x runs:/ layout on a server without logged-models endpoints", async () => {
    server.legacy = true;
    const store = client();
    const { runId } = await startRun(store);
    const info = await store.logModel(runId, { flavors, signature, files: { "model.json": "{}" } });
    expect(info).toEqual({ modelId: undefined, modelUri: undefined, runModelUri: `runs:/${runId}/model` });
    expect(calls().filter((c) => c.includes("logged-models") || c.includes("outputs"))).toEqual([
      "POST /api/2.0/mlflow/logged-models",
    ]);
    const tagCall = server.requests.at(-1)?.json as { tags: { key: string; value: string }[] };
    expect(JSON.parse(tagCall.tags[0]?.value ?? "")[0].model_uuid).toMatch(/^[0-9a-f]{32}$/);
  });

  it("marks the LoggedModel as failed (PATCH LOGGED_MODEL_UPLOAD_FAILED) when an upload fails for good", async () => {
    const store = client();
    const { experimentId, runId } = await startRun(store);
    server.inject(`PUT /api/2.0/mlflow-artifacts/artifacts/${experimentId}/models/*`, {
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: "bad path" },
    });
    await expect(
      store.logModel(runId, { flavors, signature, files: { "model.json": "{}" } }),
    ).rejects.toThrow(/HTTP 400 INVALID_PARAMETER_VALUE bad path/);
    const patch = server.requests.at(-1);
    expect(patch?.method).toBe("PATCH");
    expect(patch?.json).toMatchObject({ status: "LOGGED_MODEL_UPLOAD_FAILED" });
  });
});
