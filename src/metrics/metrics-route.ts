import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface MetricsRouteOptions {
  readonly registry: Registry;
  /** Requests under this prefix belong to another listener on the same server (socket.io's '/socket.io/'). */
  readonly skipPrefix: string;
  readonly log: Logger;
}

/**
 * A `request` listener for oned's HTTP server: `GET /metrics` (and HEAD) in
 * the Prometheus text format, 405 for another method there, 404 for any
 * other path. It leaves socket.io's requests alone, whichever listener runs
 * first.
 */
export function metricsRoute(options: MetricsRouteOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { registry, skipPrefix, log } = options;
  return (req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith(skipPrefix)) return;
    const path = url.split('?', 1)[0];
    if (path !== '/metrics') return plain(res, 404, 'Not found: oned serves /metrics and socket.io here.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'Method not allowed: GET /metrics.\n');
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        log.error({ err }, 'metrics could not be collected');
        plain(res, 500, 'Metrics could not be collected.\n');
      },
    );
  };
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
