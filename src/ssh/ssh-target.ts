import { isIP } from 'node:net';
import { NepheleError } from '../errors.js';

/** Where oned reaches a host over SSH: `[user@]address[:port]`. */
export interface SshTarget {
  readonly user: string;
  readonly host: string;
  readonly port: number;
}

const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function bad(message: string): NepheleError {
  return new NepheleError('INVALID_ARGUMENT', `--ssh: ${message}`, { details: { field: 'ssh' } });
}

/** Parses `[user@]address[:port]`; an IPv6 address with a port goes in brackets. @default user root, port 22 */
export function parseSshTarget(text: string): SshTarget {
  let rest = text.trim();
  let user = 'root';
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!USER.test(user)) throw bad(`"${user}" is not a user name`);
  }
  let host = rest;
  let port = 22;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (rest.split(':').length === 2) {
    const [h, p] = rest.split(':') as [string, string];
    host = h;
    if (!/^\d+$/.test(p)) throw bad(`"${p}" is not a port`);
    port = Number(p);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw bad(`port ${port} is out of range`);
  if (isIP(host) === 0 && !HOSTNAME.test(host)) throw bad(`"${host}" is neither an IP address nor a host name`);
  return { user, host, port };
}

export function formatSshTarget(t: SshTarget): string {
  const host = isIP(t.host) === 6 ? `[${t.host}]` : t.host;
  return `${t.user}@${host}${t.port === 22 ? '' : `:${t.port}`}`;
}
