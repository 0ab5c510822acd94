import type { ServerResponse } from 'node:http';
import { sendJson } from '../shared/http.js';

/** google.rpc.Code names for the HTTP statuses the Health API answers with. */
const RPC_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const DEFAULT_MESSAGE: Readonly<Record<number, string>> = {
  429: "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service 'health.googleapis.com'.",
  500: 'Internal error encountered.',
  503: 'The service is currently unavailable.',
  504: 'The request timed out.',
};

export function rpcStatusName(httpStatus: number): string {
  return RPC_STATUS[httpStatus] ?? 'UNKNOWN';
}

/**
 * A google.rpc.Status error body. The ErrorInfo detail carries the usual Google reasons; research marks them
 * unconfirmed for this API, so clients should branch on the HTTP status and `status`, not on `reason`.
 */
export function sendRpcError(
  res: ServerResponse,
  httpStatus: number,
  message?: string,
  reason?: string,
): void {
  const details =
    reason === undefined
      ? undefined
      : [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason,
            domain: 'googleapis.com',
            metadata: { service: 'health.googleapis.com' },
          },
        ];
  if (httpStatus === 401) {
    res.setHeader('www-authenticate', 'Bearer realm="https://accounts.google.com/"');
  }
  sendJson(res, httpStatus, {
    error: {
      code: httpStatus,
      message: message ?? DEFAULT_MESSAGE[httpStatus] ?? 'An error occurred.',
      status: rpcStatusName(httpStatus),
      ...(details ? { details } : {}),
    },
  });
}

/** The OAuth 2.0 error shape of oauth2.googleapis.com (RFC 6749 §5.2), not google.rpc.Status. */
export function sendOAuthError(
  res: ServerResponse,
  httpStatus: number,
  error: string,
  description: string,
): void {
  sendJson(res, httpStatus, { error, error_description: description });
}
