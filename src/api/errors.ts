/**
 * Coded errors. Every failure the server can answer with has a code, an HTTP status and
 * a message naming the field and value. Hooks throw these; the server turns them into a
 * non-2xx answer, so Metacontroller changes nothing and retries (fail closed).
 */
const ERRORS = {
  GATI_ERR_BAD_REQUEST: 400,
  GATI_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  GATI_ERR_NOT_FOUND: 404,
  GATI_ERR_METHOD_NOT_ALLOWED: 405,
  GATI_ERR_UNAUTHORIZED: 401,
  GATI_ERR_PAYLOAD_TOO_LARGE: 413,
  GATI_ERR_OVERLOADED: 429,
  GATI_ERR_INTERNAL: 500,
  GATI_ERR_INVALID_OUTPUT: 500,
  GATI_ERR_SHUTTING_DOWN: 503,
} as const;
export type ErrorCode = keyof typeof ERRORS;

/** GatiError carries a stable code and the HTTP status the server answers with. */
export class GatiError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'GatiError';
    this.code = code;
    this.statusCode = ERRORS[code];
  }
}

/** badRequest is a 400 naming what is wrong with the request. */
export function badRequest(message: string): GatiError {
  return new GatiError('GATI_ERR_BAD_REQUEST', message);
}
