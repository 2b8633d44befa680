// One error type for everything the hub refuses: an HTTP status, a message safe to show the
// user, and (optionally) more detail for the log only.
export class HubError extends Error {
  constructor(
    readonly status: number,
    /** Safe to show to the user / return in the API. */
    readonly userMessage: string,
    /** Extra detail for the log (never shown; must not contain secrets either). */
    readonly logDetail?: string,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(userMessage);
  }
}
