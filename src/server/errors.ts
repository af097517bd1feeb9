import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatiError, type ErrorCode } from '../api/errors.js';
import { toJson } from '../kube/canonical.js';
import { hookCallOf } from './routes.js';

/** The body of every error answer: a stable code and a short message naming what went wrong. */
export function errorBody(code: ErrorCode, message: string): string {
  return toJson({ error: { code, message } });
}

/** Fastify's own error codes that map onto ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GATI_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'GATI_ERR_PAYLOAD_TOO_LARGE',
};

interface Described {
  status: number;
  code: ErrorCode;
  message: string;
}

/** describeError turns anything thrown while answering into a status, a code and a message. */
function describeError(err: unknown): Described {
  if (err instanceof GatiError)
    return { status: err.statusCode, code: err.code, message: err.message };
  const e = err as {
    statusCode?: unknown;
    code?: unknown;
    message?: unknown;
    validation?: unknown;
  };
  const message = typeof e?.message === 'string' ? e.message.slice(0, 300) : String(err);
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = (typeof e.code === 'string' && FASTIFY_CODES[e.code]) || 'GATI_ERR_BAD_REQUEST';
    return { status, code, message };
  }
  return { status: 500, code: 'GATI_ERR_INTERNAL', message };
}

/**
 * handleError answers every failure with a non-2xx status and a short JSON body, so
 * Metacontroller changes nothing and retries; it never sends a partial 200.
 */
export function handleError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const d = describeError(err);
  const call = hookCallOf(req);
  if (d.status >= 500) req.log.error({ ...call, err }, 'hook call failed');
  else req.log.info({ ...call, code: d.code, reason: d.message }, 'request rejected');
  return reply
    .code(d.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(d.code, d.message));
}
