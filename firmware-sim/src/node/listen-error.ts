import { HkeyError } from '@hkey/protocol';

/** A port we were told to use is not available: never fall back to another port silently. */
export function listenError(what: string, host: string, port: number, error: NodeJS.ErrnoException): HkeyError {
  if (error.code === 'EADDRINUSE')
    return new HkeyError('PORT_IN_USE', `The ${what} port ${host}:${port} is already in use; stop the other process or pick another port.`);
  if (error.code === 'EACCES') return new HkeyError('PORT_FORBIDDEN', `The ${what} port ${host}:${port} needs privileges; pick a port above 1023.`);
  return new HkeyError('LISTEN_FAILED', `The ${what} endpoint could not listen on ${host}:${port} (${error.code ?? error.message}).`);
}

export const LOOPBACK = '127.0.0.1';
