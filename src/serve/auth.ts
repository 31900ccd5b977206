/** Bearer-token authentication: the token compared in constant time (over SHA-256 digests, so lengths do not leak). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from './http_error.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** A check of the Authorization header against `token`; throws 401 with WWW-Authenticate when it fails. */
export function bearerAuth(token: string): (headers: IncomingHttpHeaders) => void {
  const expected = digest(token);
  return (headers) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
    if (m === null || !timingSafeEqual(digest(m[1]), expected)) {
      throw new HttpError(401, 'This server needs a bearer token: send Authorization: Bearer <token>.', {
        'WWW-Authenticate': 'Bearer realm="resnet50"',
      });
    }
  };
}
