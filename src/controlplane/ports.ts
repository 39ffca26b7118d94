// Free loopback ports for the child processes. The kernel picks one for a throw-away socket; the
// port can be taken by someone else before the child binds it, so callers retry a failed start.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => {
        if (port > 0) resolve(port);
        else reject(new Error('could not read the port of a probe socket'));
      });
    });
  });
}

/** n distinct free ports (distinct among themselves, at the moment of asking). */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * Does `pid` hold the listening socket on 127.0.0.1:port? A probe that succeeds proves only that
 * *someone* answers on the port: a parallel suite may have won the race for it, while our child
 * failed to bind. Linux only; elsewhere (no /proc) it answers true.
 */
export function listensOn(pid: number, port: number): boolean {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return true;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A' && f[9]) inodes.add(`socket:[${f[9]}]`); // 0A = LISTEN
  }
  if (inodes.size === 0) return false;
  try {
    return readdirSync(`/proc/${String(pid)}/fd`).some((fd) => {
      try { return inodes.has(readlinkSync(`/proc/${String(pid)}/fd/${fd}`)); } catch { return false; }
    });
  } catch {
    return false;
  }
}
