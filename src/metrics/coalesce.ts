/**
 * Callers that come while a call is in flight share it, so that however
 * many scrapes arrive at once (the endpoint needs no login) the pools are
 * asked once at a time. Nothing is kept once the call has settled.
 */
export function coalesce<T>(fn: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= fn().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
