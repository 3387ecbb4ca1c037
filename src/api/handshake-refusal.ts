import { NepheleError, isNepheleError } from '../errors.js';

/**
 * A socket.io middleware error whose `data` carries `{ code, message }` to
 * the client's connect_error; anything but a NepheleError becomes AUTH_FAILED,
 * so no internal detail leaks into a refusal.
 */
export function handshakeRefusal(err: unknown): Error & { data: unknown } {
  const e = isNepheleError(err) ? err : new NepheleError('AUTH_FAILED', 'refused');
  return Object.assign(new Error(e.message), { data: e.toJSON() });
}
