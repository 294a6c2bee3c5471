import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The headers that make a page cross-origin isolated (`self.crossOriginIsolated === true`), which browsers
 * require for `SharedArrayBuffer` — and so for tfjs-backend-wasm's threaded binary.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** A running local server. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  close(): Promise<void>;
}

/** Options of {@link serveFiles}. */
export interface ServeOptions {
  /** Send {@link CROSS_ORIGIN_ISOLATION_HEADERS} with every response. Default true. */
  crossOriginIsolated?: boolean;
  /** Extra files: URL path without the leading slash → absolute file path or bytes. */
  files?: Record<string, string | Uint8Array>;
}

/**
 * Serves the folder `dir` (and `options.files`) on 127.0.0.1 at a free port, `/` being `index.html`.
 * Paths outside `dir` get 404.
 */
export async function serveFiles(dir: string | undefined, options: ServeOptions = {}): Promise<LocalServer> {
  const isolated = options.crossOriginIsolated ?? true;
  const extra = options.files ?? {};
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname).replace(/^\/+/, '');
    const headers: Record<string, string> = isolated ? { ...CROSS_ORIGIN_ISOLATION_HEADERS } : {};
    headers['Cache-Control'] = 'no-store';
    headers['Content-Type'] = MIME[extname(rel)] ?? 'application/octet-stream';
    let body: Uint8Array | undefined;
    const given = extra[rel];
    if (given !== undefined) {
      body = typeof given === 'string' ? readFileSync(given) : given;
    } else if (dir !== undefined) {
      const file = normalize(join(dir, rel));
      if (file.startsWith(normalize(dir) + sep) && existsSync(file) && statSync(file).isFile()) {
        body = readFileSync(file);
      }
    }
    if (body === undefined) {
      res.writeHead(404, headers).end('not found');
      return;
    }
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
