/**
 * The service's errors: an HTTP status with the one sentence a client reads, sent as the Open
 * Inference Protocol's error object `{"error": "…"}` on every route (v1 and v2 alike).
 */
import { renderOptionTemplate, UserError } from '../errors.js';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. Retry-After on 503 or Allow on 405. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/**
 * The status and sentence for anything a handler threw: an HttpError as it is, a user error as 400
 * (an unreadable image too: it claims a format and breaks it), anything else as 500 without
 * its internals (they go to the server's log).
 */
export function toHttpError(e: unknown): { error: HttpError; internal: boolean } {
  if (e instanceof HttpError) return { error: e, internal: false };
  if (e instanceof UserError) {
    // Option names in the sentence are the request's parameters here (threshold, class, …).
    const message = e.template === undefined ? e.message : renderOptionTemplate(e.template, (o) => `'${o}'`);
    return { error: new HttpError(400, message), internal: false };
  }
  return {
    error: new HttpError(500, 'Internal server error; the server log has the details.'),
    internal: true,
  };
}
