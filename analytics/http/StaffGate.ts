import type { IncomingMessage } from 'node:http';

/** Lets staff through (session cookie or admin token); anyone else is refused with an AppError (401, 403). */
export interface StaffGate {
	require(req: IncomingMessage): Promise<void>;
}
