/**
 * Options for the handlers that write. A client that hangs up does not interrupt
 * its transaction halfway: the write finishes and commits (a retry is what
 * Idempotency-Key is for). Interrupting instead would make the PostgreSQL client
 * cancel the running statement over a second pool connection, which a busy pool
 * may not have, leaving the transaction holding its locks meanwhile.
 */
export const committed = { uninterruptible: true } as const
