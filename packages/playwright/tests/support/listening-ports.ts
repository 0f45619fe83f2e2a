/** The loopback ports this process listens on (TCP) or has bound (UDP), read from Linux's /proc. */
import { readFile, readdir, readlink } from 'node:fs/promises';

const TCP_LISTEN = '0A';

async function ownSocketInodes(): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  return inodes;
}

/** Rows of /proc/net/<table>: local port, state and inode. */
async function sockets(table: string): Promise<{ port: number; state: string; inode: string }[]> {
  const text = await readFile(`/proc/net/${table}`, 'utf8').catch(() => '');
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length > 9)
    .map((fields) => ({ port: parseInt((fields[1] as string).split(':')[1] as string, 16), state: fields[3] as string, inode: fields[9] as string }));
}

export async function listeningPorts(): Promise<{ tcp: number[]; udp: number[] }> {
  const own = await ownSocketInodes();
  const ports = async (tables: string[], listening: (state: string) => boolean): Promise<number[]> =>
    (await Promise.all(tables.map(sockets)))
      .flat()
      .filter((socket) => own.has(socket.inode) && listening(socket.state))
      .map((socket) => socket.port)
      .sort((a, b) => a - b);
  return { tcp: await ports(['tcp', 'tcp6'], (state) => state === TCP_LISTEN), udp: await ports(['udp', 'udp6'], () => true) };
}
