/** UsageError is a mistake in the command line; it prints usage and exits 2. */
export class UsageError extends Error {}
