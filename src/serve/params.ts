/** Query parameters of the v1 endpoints (`?top=5`, `?layer=pool`): typed, or a 400 naming the parameter. */
import { HttpError } from './http_error.js';

/** A query parameter as an integer in [min, max], or `fallback` when absent; else a 400 naming it. */
export function intParam(
  url: URL,
  name: string,
  fallback: number | undefined,
  min: number,
  max: number,
): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
    throw new HttpError(
      400,
      `Query parameter '${name}' must be an integer from ${min} to ${max}, got '${raw}'.`,
    );
  }
  return v;
}

export function numberParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) {
    throw new HttpError(400, `Query parameter '${name}' must be a number, got '${raw}'.`);
  }
  return v;
}

export function choiceParam<T extends string>(url: URL, name: string, choices: readonly T[], fallback: T): T {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new HttpError(400, `Query parameter '${name}' must be one of ${choices.join(', ')}, got '${raw}'.`);
  }
  return raw as T;
}

export function boolParam(url: URL, name: string): boolean {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === 'false' || raw === '0') return false;
  if (raw === '' || raw === 'true' || raw === '1') return true;
  throw new HttpError(400, `Query parameter '${name}' must be true or false, got '${raw}'.`);
}
