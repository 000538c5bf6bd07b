// Small network helpers: is something listening at host:port, a free local port, a block of free ports.
import net from 'node:net';

export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(address);
  if (!match) throw new Error(`address must be host:port, got "${address}"`);
  return { host: match[1] as string, port: Number(match[2]) };
}

export function tcpReachable(address: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = parseAddress(address);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * The first of `count` consecutive free ports (scripts/temporal-server.sh needs a block of ten), below the
 * usual ephemeral range and below 32768: the Temporal server stores its ports in PostgreSQL as smallint.
 */
export async function freePortBlock(count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 15_000 + Math.floor(Math.random() * (32_767 - 15_000 - count));
    let free = true;
    for (let port = base; port < base + count && free; port++) free = await portFree(port, host);
    if (free) return base;
  }
  throw new Error(`found no block of ${count} free ports on ${host} in 50 tries`);
}
