/** Messages between the poll benchmark (parent) and its student processes (children, IPC). */

export interface StudentSpec {
	/** 0..N-1 across every process: decides the answer and when it is sent. */
	index: number;
	code: string;
	name: string;
	/** Source address for the HTTP join: one per classroom, as a school's NAT would be. */
	localAddress: string;
}

export type ToStudents =
	| { type: 'join'; url: string; students: StudentSpec[] }
	| { type: 'answer'; pollId: string; options: number; startAt: number; windowMs: number; total: number }
	| { type: 'stop' };

export type FromStudents =
	| { type: 'joined'; joined: number; failures: string[]; ms: number }
	| { type: 'answered'; sends: { index: number; at: number }[]; ackMs: number[]; errors: string[]; cpuMs: number };

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function nowMs(): number {
	return performance.timeOrigin + performance.now();
}
