import { randomBytes } from "node:crypto";
import { access } from "node:fs/promises";
import { Writable } from "node:stream";
import { CtError, ExitCode, InterruptedError, type Logger } from "@ct/step-kit";
import type Dockerode from "dockerode";
import type { StepExecutor, StepExit, StepInvocation } from "./executor.ts";
import { createLineWriter, type LineWriter, type StepOutput } from "./lines.ts";
import { formatDuration } from "./pipeline.ts";
import { type SecretsDirectory, writeSecretsDirectory } from "./secrets.ts";
import type { RunUser } from "./user.ts";

/** How to build a step's image: only `files` of `context` are sent to the engine. */
export interface DockerBuildSpec {
  /** The folder the paths below are relative to (ct: the repository root). */
  readonly context: string;
  /** The Dockerfile, relative to `context`. */
  readonly dockerfile: string;
  /** Every file the Dockerfile needs, relative to `context`, the Dockerfile included. */
  readonly files: readonly string[];
  /** Tags to give the image (`ct-extract:0.1.0`, `ct-extract:latest`). */
  readonly tags: readonly string[];
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/** A host folder mounted into a step's container. It must exist (it is never created as root). */
export interface DockerMount {
  readonly source: string;
  readonly target: string;
  readonly readOnly?: boolean;
}

export interface DockerStepSpec {
  /** The image to run (`ct-extract:latest`). */
  readonly image: string;
  /** How to build it; without it, `prepare` only checks that the image exists. */
  readonly build?: DockerBuildSpec;
  readonly mounts?: readonly DockerMount[];
  /** Arguments put before the invocation's (`--model_config /config/model.yaml` for train). */
  readonly args?: readonly string[];
}

export interface DockerExecutorOptions {
  readonly docker: Dockerode;
  /** Per step name. */
  readonly steps: Readonly<Record<string, DockerStepSpec>>;
  /** `NetworkMode` of the containers: a network name (`ct_default`), `host` or `bridge`. */
  readonly network: string;
  /** The containers run as this uid:gid (the invoking user), whatever the image's `USER` says. */
  readonly user: RunUser;
  /** The containers' environment, on top of the image's. */
  readonly env: Readonly<Record<string, string>>;
  /** Secret settings, mounted read-only as files at `/run/secrets/<name>` (ct's `CT_SECRETS_DIR`). */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Build the images in `prepare` (else they must exist). */
  readonly build: boolean;
  /** Build and cleanup messages. */
  readonly logger: Logger;
  /** Seconds between SIGTERM and SIGKILL when a step is stopped (default 10). */
  readonly stopTimeoutSeconds?: number;
  /** Where the temporary secrets folders are made (default: the OS temp folder). */
  readonly secretsParent?: string;
}

/** The message of a dockerode error (the engine's JSON `message` when there is one). */
export function dockerErrorMessage(error: unknown): string {
  const value = error as { json?: { message?: unknown }; message?: unknown } | undefined;
  if (value?.json && typeof value.json.message === "string") return value.json.message;
  if (typeof value?.message === "string") return value.message.replace(/^\(HTTP code \d+\) [^-]*- /, "");
  return String(error);
}

function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

/** `name:tag` → repository and tag (a registry port is not a tag: `host:5000/name`). */
export function splitImageReference(reference: string): { repo: string; tag: string } {
  const colon = reference.lastIndexOf(":");
  if (colon > reference.lastIndexOf("/"))
    return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: "latest" };
}

/** Network modes that need no network to exist. */
const BUILT_IN_NETWORKS = new Set(["host", "bridge", "none", "default"]);

const SECRETS_TARGET = "/run/secrets";

/** Messages of a build stream (classic builder and BuildKit's JSON alike). */
interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

function lineSink(writer: LineWriter): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writer.write(chunk);
      callback();
    },
  });
}

/**
 * Runs each step as a container with dockerode, the `docker compose up --build && down`
 * pattern: build the images, then per step create → attach → start → wait → remove. Containers
 * run as the invoking user with the host folders mounted, are labelled (`ct.step`, …) and are
 * removed after the step whatever happened: success, failure, Ctrl-C, or an error of the engine.
 */
export class DockerExecutor implements StepExecutor {
  readonly kind = "docker";
  private readonly options: DockerExecutorOptions;

  constructor(options: DockerExecutorOptions) {
    this.options = options;
  }

  describe(step: string): string {
    const spec = this.options.steps[step];
    return `${spec?.image ?? "no image"}, network ${this.options.network}, user ${this.options.user.uid}:${this.options.user.gid}`;
  }

  private spec(step: string): DockerStepSpec {
    const spec = this.options.steps[step];
    if (!spec) throw new CtError(`no image configured for step ${step}`, ExitCode.failure);
    return spec;
  }

  async prepare(steps: readonly string[], signal?: AbortSignal): Promise<void> {
    const { docker } = this.options;
    try {
      await docker.ping();
    } catch (error) {
      throw new CtError(
        `cannot reach the Docker engine (${dockerErrorMessage(error)}): start it (bash scripts/ensure-docker.sh) or run the steps without Docker (--local)`,
        ExitCode.failure,
        { cause: error },
      );
    }
    const { network } = this.options;
    if (!BUILT_IN_NETWORKS.has(network) && !network.startsWith("container:")) {
      try {
        await docker.getNetwork(network).inspect();
      } catch (error) {
        throw new CtError(
          statusCodeOf(error) === 404
            ? `Docker network ${network} does not exist: start the compose stack (bash scripts/docker-compose.sh up -d) or choose another with --network`
            : `cannot inspect Docker network ${network}: ${dockerErrorMessage(error)}`,
          ExitCode.failure,
          { cause: error },
        );
      }
    }
    const missing: string[] = [];
    for (const step of steps) {
      for (const mount of this.spec(step).mounts ?? []) {
        try {
          await access(mount.source);
        } catch {
          missing.push(`host folder ${mount.source} (for ${step}) does not exist`);
        }
      }
    }
    if (missing.length > 0) throw new CtError(missing.join("; "), ExitCode.failure);
    for (const step of steps) {
      const spec = this.spec(step);
      if (this.options.build && spec.build) {
        await this.buildImage(step, spec.build, signal);
      } else {
        try {
          await docker.getImage(spec.image).inspect();
        } catch (error) {
          missing.push(
            statusCodeOf(error) === 404
              ? `image ${spec.image} does not exist (build it: drop --no-build, or bash scripts/docker-build.sh ${step})`
              : `cannot inspect image ${spec.image}: ${dockerErrorMessage(error)}`,
          );
        }
      }
    }
    if (missing.length > 0) throw new CtError(missing.join("; "), ExitCode.failure);
  }

  private async buildImage(step: string, build: DockerBuildSpec, signal?: AbortSignal): Promise<void> {
    const { docker, logger } = this.options;
    const [firstTag, ...otherTags] = build.tags;
    if (!firstTag) throw new CtError(`no tag to build the image of ${step} with`, ExitCode.failure);
    const missing: string[] = [];
    for (const file of build.files) {
      try {
        await access(`${build.context}/${file}`);
      } catch {
        missing.push(file);
      }
    }
    if (missing.length > 0) {
      throw new CtError(
        `cannot build ${firstTag}: missing ${missing.join(", ")} in ${build.context} (build the bundle first: pnpm turbo run build --filter=@ct/${step})`,
        ExitCode.failure,
      );
    }
    const started = Date.now();
    logger.info(`building ${firstTag} from ${build.dockerfile}`);
    const output: string[] = [];
    let failure: string | undefined;
    let imageId: string | undefined;
    try {
      const stream = await docker.buildImage(
        { context: build.context, src: [...build.files] },
        {
          dockerfile: build.dockerfile,
          t: firstTag,
          ...(build.buildArgs ? { buildargs: { ...build.buildArgs } } : {}),
          rm: true,
          forcerm: true,
          ...(signal ? { abortSignal: signal } : {}),
        },
      );
      await new Promise<void>((resolvePromise, reject) => {
        docker.modem.followProgress(
          stream,
          (error: Error | null) => (error ? reject(error) : resolvePromise()),
          (event: BuildEvent) => {
            if (event.stream) output.push(...event.stream.split("\n").filter((line) => line.trim() !== ""));
            if (event.error) failure = event.errorDetail?.message ?? event.error;
            if (event.aux?.ID) imageId = event.aux.ID;
          },
        );
      });
    } catch (error) {
      if (signal?.aborted)
        throw signal.reason instanceof Error ? signal.reason : new InterruptedError("interrupted");
      failure = dockerErrorMessage(error);
    }
    if (failure !== undefined) {
      for (const line of output.slice(-20)) logger.error(`build ${step} | ${line}`);
      throw new CtError(`building ${firstTag} failed: ${failure}`, ExitCode.failure);
    }
    for (const tag of otherTags) await docker.getImage(firstTag).tag(splitImageReference(tag));
    const id = imageId ? ` (${imageId.replace(/^sha256:/, "").slice(0, 12)})` : "";
    logger.info(`built ${build.tags.join(", ")}${id} in ${formatDuration(Date.now() - started)}`);
  }

  async run(invocation: StepInvocation, output: StepOutput, signal?: AbortSignal): Promise<StepExit> {
    const { docker, user, network } = this.options;
    const spec = this.spec(invocation.step);
    if (signal?.aborted) return { exitCode: ExitCode.interrupted };
    let secrets: SecretsDirectory | undefined;
    let container: Dockerode.Container | undefined;
    let attached: NodeJS.ReadWriteStream | undefined;
    let onAbort: (() => void) | undefined;
    try {
      if (this.options.secrets) {
        secrets = await writeSecretsDirectory(this.options.secrets, user, this.options.secretsParent);
      }
      const mounts: Dockerode.MountSettings[] = (spec.mounts ?? []).map((mount) => ({
        Type: "bind",
        Source: mount.source,
        Target: mount.target,
        ReadOnly: mount.readOnly === true,
      }));
      if (secrets)
        mounts.push({ Type: "bind", Source: secrets.path, Target: SECRETS_TARGET, ReadOnly: true });
      try {
        container = await docker.createContainer({
          name: `ct-${invocation.step}-${randomBytes(4).toString("hex")}`,
          Image: spec.image,
          Cmd: [...(spec.args ?? []), ...invocation.args],
          User: `${user.uid}:${user.gid}`,
          Env: Object.entries(this.options.env).map(([name, value]) => `${name}=${value}`),
          Labels: { "ct.runner": "1", ...invocation.labels },
          AttachStdout: true,
          AttachStderr: true,
          Tty: false,
          OpenStdin: false,
          HostConfig: {
            NetworkMode: network,
            // `Mounts`, not `Binds`: a missing host folder is an error instead of a root-owned folder.
            Mounts: mounts,
            // A tiny init as PID 1 forwards signals and reaps the step's children (the catboost CLI).
            Init: true,
            AutoRemove: false,
            // Least privilege (docs/containers.md): the image is read-only, writes go to the
            // mounted folders or to a fresh tmpfs at /tmp (train's scratch folder, Node's tmpdir);
            // no capability, and no privilege gained through setuid binaries.
            ReadonlyRootfs: true,
            Tmpfs: { "/tmp": "" },
            CapDrop: ["ALL"],
            SecurityOpt: ["no-new-privileges:true"],
          },
        });
      } catch (error) {
        throw new CtError(
          `cannot create the container of ${invocation.step} from ${spec.image}: ${dockerErrorMessage(error)}`,
          ExitCode.failure,
          { cause: error },
        );
      }
      const created = container;
      // Attached before start, so not a line of output is missed.
      const stream = await created.attach({ stream: true, stdout: true, stderr: true });
      attached = stream;
      const stdout = createLineWriter((text) => output.line("stdout", text));
      const stderr = createLineWriter((text) => output.line("stderr", text));
      const ended = new Promise<void>((resolvePromise) => {
        stream.once("end", () => resolvePromise());
        stream.once("close", () => resolvePromise());
        stream.once("error", () => resolvePromise());
      });
      docker.modem.demuxStream(stream, lineSink(stdout), lineSink(stderr));

      let stopping: Promise<unknown> | undefined;
      const stop = (): void => {
        stopping ??= created.stop({ t: this.options.stopTimeoutSeconds ?? 10 }).catch(() => undefined);
      };
      onAbort = stop;
      signal?.addEventListener("abort", stop, { once: true });
      if (signal?.aborted) return { exitCode: ExitCode.interrupted };
      await created.start();
      // An abort between `create` and `start` found nothing to stop: stop it now.
      if (signal?.aborted) stop();
      const result = (await created.wait()) as { StatusCode?: number; Error?: { Message?: string } | null };
      await stopping;
      // The output stream ends right after the container; do not hang on an engine that keeps it open.
      await Promise.race([ended, new Promise((resolvePromise) => setTimeout(resolvePromise, 2000).unref())]);
      stdout.end();
      stderr.end();
      if (result.Error?.Message) output.line("stderr", `docker: ${result.Error.Message}`);
      return { exitCode: typeof result.StatusCode === "number" ? result.StatusCode : ExitCode.failure };
    } finally {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      const socket = attached as unknown as { destroy?: () => void } | undefined;
      socket?.destroy?.();
      if (container) {
        try {
          await container.remove({ force: true, v: true });
        } catch (error) {
          if (statusCodeOf(error) !== 404) {
            this.options.logger.warn(
              `could not remove container ${container.id.slice(0, 12)}: ${dockerErrorMessage(error)}`,
            );
          }
        }
      }
      await secrets?.remove();
    }
  }

  async removeLeftovers(labels: Readonly<Record<string, string>>): Promise<number> {
    const { docker } = this.options;
    const filters = { label: Object.entries(labels).map(([name, value]) => `${name}=${value}`) };
    const leftovers = await docker.listContainers({ all: true, filters });
    let removed = 0;
    for (const info of leftovers) {
      try {
        await docker.getContainer(info.Id).remove({ force: true, v: true });
        removed += 1;
      } catch (error) {
        if (statusCodeOf(error) !== 404) throw error;
      }
    }
    return removed;
  }
}
