// API failures turned into one typed error, once, so callers never parse response bodies or
// undici/DOMException shapes themselves.

export class KubeApiError extends Error {
  /** HTTP status, or undefined for transport failures and timeouts. */
  readonly code: number | undefined;
  /** The Status reason ("NotFound", "Conflict", ...) or the transport error code. */
  readonly reason: string;
  readonly retryable: boolean;
  constructor(message: string, code: number | undefined, reason: string, retryable: boolean) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.retryable = retryable;
  }
  get notFound(): boolean { return this.code === 404; }
  get conflict(): boolean { return this.code === 409; }
}

const RETRY_STATUS = new Set([409, 429, 500, 502, 503, 504]);

/** From an HTTP answer: the Status object's message when there is one, the body text otherwise. */
export function fromResponse(status: number, body: string): KubeApiError {
  let reason = `HTTP${status}`;
  let message = body.trim().slice(0, 500) || `HTTP ${status}`;
  try {
    const s = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    if (s.kind === 'Status') { reason = s.reason ?? reason; message = s.message ?? message; }
  } catch { /* not JSON: keep the text */ }
  return new KubeApiError(message, status, reason, RETRY_STATUS.has(status));
}

/** Any thrown value from a request: timeouts, refused connections, resets. */
export function toKubeError(e: unknown): KubeApiError {
  if (e instanceof KubeApiError) return e;
  if (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return new KubeApiError(`request timed out (${e.message})`, undefined, e.name, true);
  }
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return new KubeApiError(`${cause.code}: ${cause.message ?? String(e)}`, undefined, cause.code, true);
  const message = e instanceof Error ? e.message : String(e);
  // undici wraps the reason ("fetch failed"); say what actually failed.
  return new KubeApiError(cause?.message ? `${message}: ${cause.message}` : message, undefined, 'Unknown', false);
}
