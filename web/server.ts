/**
 * A static file server for the web page and the browser tests: serves one folder on 127.0.0.1 with
 * the headers that make a page cross-origin isolated (COOP same-origin, COEP require-corp), which
 * SharedArrayBuffer and so WebAssembly threads need. Paths cannot leave the folder.
 *
 *   node dist/web/server.js [--root web/dist] [--port 8080] [--host 127.0.0.1] [--no-isolation]
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

export interface WebServerOptions {
  root: string;
  port?: number;
  host?: string;
  /** Send COOP/COEP (default true): the page is cross-origin isolated and may use threads. */
  isolation?: boolean;
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/** The file a URL path names inside `root`, or null when it would leave it or does not exist. */
function fileFor(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  let file = resolve(root, `.${path}`);
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

export function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const root = resolve(options.root);
  const isolation = options.isolation ?? true;
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const file = fileFor(root, req.url ?? '/');
    if (file === null) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-cache',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (isolation) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolvePromise({
        url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
        // Drops open connections too: a browser may keep a stalled download or an idle keep-alive
        // socket open, and close() alone waits for every connection to end.
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', default: 'web/dist' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-isolation': { type: 'boolean', default: false },
    },
  });
  const server = await startWebServer({
    root: values.root,
    port: Number(values.port),
    host: values.host,
    isolation: !values['no-isolation'],
  });
  process.stdout.write(
    `serving ${resolve(values.root)} at ${server.url} (cross-origin isolated: ${!values['no-isolation']})\n`,
  );
}
