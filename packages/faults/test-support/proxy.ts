import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface CuttingProxy {
  /** Loopback port the client should connect to. */
  readonly port: number;
  /** Resolves when the trigger went by and every socket was cut. */
  readonly cut: Promise<void>;
  /** Whether the trigger has been seen. */
  readonly triggered: () => boolean;
  /** Whether `text` went from a client to the server before the cut. */
  readonly forwarded: (text: string) => boolean;
  close(): Promise<void>;
}

export interface CuttingProxyOptions {
  /** Where to forward (the real MariaDB). */
  readonly target: { host: string; port: number };
  /** Client→server bytes that trigger the cut; they are never forwarded. */
  readonly trigger: string;
  /**
   * After the cut, accept and forward new connections (no second cut): a connection reset by a
   * server that is still there, rather than a server gone. Default false (refuse them).
   */
  readonly reconnect?: boolean;
}

/**
 * A loopback TCP proxy that plays "the database died mid-statement" without touching the shared
 * server: it forwards both ways until the client sends `trigger`, then — before forwarding that
 * chunk — destroys every client and server socket and stops listening, so new connections are
 * refused (ECONNREFUSED) from then on. The server sees its clients vanish and rolls back their
 * open transactions, exactly as after a crash of the connection.
 */
export async function startCuttingProxy(options: CuttingProxyOptions): Promise<CuttingProxy> {
  const trigger = Buffer.from(options.trigger, "utf8");
  const sockets = new Set<Socket>();
  let triggered = false;
  const sent: Buffer[] = [];
  let resolveCut: () => void = () => undefined;
  const cut = new Promise<void>((resolve) => {
    resolveCut = resolve;
  });
  let server: Server;
  const cutAll = (): void => {
    if (triggered) return;
    triggered = true;
    if (!options.reconnect) server.close();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    resolveCut();
  };
  server = createServer((client) => {
    if (triggered && !options.reconnect) {
      client.destroy();
      return;
    }
    const watch = !triggered;
    const upstream = createConnection({ host: options.target.host, port: options.target.port });
    sockets.add(client);
    sockets.add(upstream);
    client.pause();
    upstream.once("connect", () => client.resume());
    // The trigger may straddle two chunks: keep the tail of the previous one.
    let tail = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      const window = Buffer.concat([tail, chunk]);
      if (watch && !triggered && window.includes(trigger)) {
        cutAll();
        return;
      }
      tail = window.subarray(Math.max(0, window.length - trigger.length + 1));
      sent.push(chunk);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!triggered || !watch) client.write(chunk);
    });
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy: no TCP address");
  return {
    port: address.port,
    cut,
    triggered: () => triggered,
    forwarded: (text) => Buffer.concat(sent).includes(Buffer.from(text, "utf8")),
    async close() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port that nothing listens on (bound, then released): connections are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}
