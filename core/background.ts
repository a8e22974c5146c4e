import type { Logger } from 'pino';

/**
 * Runs work nobody awaits (a timer, a socket event, a broadcast) with its failure logged: a
 * rejected background promise is one failed piece of work, never an unhandled rejection.
 */
export function inBackground(log: Logger, what: string, work: Promise<unknown>, context: Record<string, unknown> = {}): void {
	work.catch((error: unknown) => log.error({ ...context, err: (error as Error)?.message, stack: (error as Error)?.stack }, `${what} failed`));
}
