import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { PendingClaim } from '../../protocol/index.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { moduleLogger } from '../../core/logger.ts';

const log = moduleLogger('student-claims');

export type ClaimStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';

export interface ClaimRecord extends PendingClaim {
	lessonId: string;
	status: ClaimStatus;
	decidedAt: number | null;
}

export interface StudentClaimsOptions {
	/** How long a phone waits for a decision. */
	ttlMs?: number;
	/** How long an answered claim is kept so its phone can still read the answer. */
	keepMs?: number;
	/** Phones waiting at once in one room of one lesson. */
	maxPerRoom?: number;
	/** Phones waiting at once for one name. */
	maxPerStudent?: number;
}

interface Entry {
	record: ClaimRecord;
	secretHash: Buffer;
	timer: NodeJS.Timeout;
	waiters: Set<() => void>;
}

type Listener = (lessonId: string, classroomId: string) => void;

function hash(secret: string): Buffer {
	return createHash('sha256').update(secret).digest();
}

/**
 * Requests to join as a listed name that another device holds: each waits in memory until the room's
 * assistant or the teacher approves or denies it, the phone cancels it, or it expires. The phone
 * proves it is the one that asked with a secret only it got (kept here as a hash).
 */
export class StudentClaims {
	readonly #ttlMs: number;
	readonly #keepMs: number;
	readonly #maxPerRoom: number;
	readonly #maxPerStudent: number;
	readonly #entries = new Map<string, Entry>();
	readonly #listeners = new Set<Listener>();

	constructor(options: StudentClaimsOptions = {}) {
		this.#ttlMs = options.ttlMs ?? 3 * 60_000;
		this.#keepMs = options.keepMs ?? 10 * 60_000;
		this.#maxPerRoom = options.maxPerRoom ?? 10;
		this.#maxPerStudent = options.maxPerStudent ?? 3;
	}

	/** Called whenever the pending claims of a room change (opened, answered, expired, cancelled). */
	onChange(listener: Listener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** A new pending claim and the phone's secret; null when too many phones wait in the room or for the name. */
	open(input: { lessonId: string; classroomId: string; studentId: string; name: string }): { claim: ClaimRecord; secret: string } | null {
		const waiting = [...this.#entries.values()].filter((e) => e.record.status === 'pending' && e.record.lessonId === input.lessonId);
		if (waiting.filter((e) => e.record.classroomId === input.classroomId).length >= this.#maxPerRoom) return null;
		if (waiting.filter((e) => e.record.studentId === input.studentId).length >= this.#maxPerStudent) return null;
		const now = Date.now();
		const secret = randomBytes(24).toString('base64url');
		const record: ClaimRecord = {
			id: `clm_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
			lessonId: input.lessonId,
			classroomId: input.classroomId,
			studentId: input.studentId,
			name: input.name,
			createdAt: now,
			expiresAt: now + this.#ttlMs,
			status: 'pending',
			decidedAt: null
		};
		const timer = setTimeout(() => this.#settle(record.id, 'expired'), this.#ttlMs);
		timer.unref();
		this.#entries.set(record.id, { record, secretHash: hash(secret), timer, waiters: new Set() });
		log.info({ lessonId: record.lessonId, classroomId: record.classroomId, claimId: record.id }, 'claim opened');
		this.#changed(record);
		return { claim: { ...record }, secret };
	}

	/** The claim, if the secret is the one its phone got. */
	find(id: string, secret: string): ClaimRecord | undefined {
		const entry = this.#entries.get(id);
		if (!entry) return undefined;
		const given = hash(secret);
		return timingSafeEqual(given, entry.secretHash) ? { ...entry.record } : undefined;
	}

	/** Any claim by id (for the assistant's and teacher's decisions). */
	get(id: string): ClaimRecord | undefined {
		const entry = this.#entries.get(id);
		return entry && { ...entry.record };
	}

	/** Claims of one room of one lesson that still wait, oldest first. */
	pending(lessonId: string, classroomId: string): PendingClaim[] {
		return [...this.#entries.values()]
			.map((e) => e.record)
			.filter((r) => r.status === 'pending' && r.lessonId === lessonId && r.classroomId === classroomId)
			.sort((a, b) => a.createdAt - b.createdAt)
			.map(({ id, classroomId: room, studentId, name, createdAt, expiresAt }) => ({ id, classroomId: room, studentId, name, createdAt, expiresAt }));
	}

	/** The assistant's or teacher's answer; a claim answered, cancelled or expired already is a conflict. */
	decide(id: string, decision: 'approved' | 'denied'): ClaimRecord {
		const entry = this.#entries.get(id);
		if (!entry) throw notFound(`no request to join ${id}; it may have expired`);
		if (entry.record.status !== 'pending') throw new AppError('conflict', `this request to join was ${entry.record.status} already`);
		this.#settle(id, decision);
		return { ...entry.record };
	}

	/** The phone gave up waiting. */
	cancel(id: string, secret: string): boolean {
		if (!this.find(id, secret)) return false;
		if (this.#entries.get(id)?.record.status === 'pending') this.#settle(id, 'cancelled');
		return true;
	}

	/** Resolves when the claim is no longer pending, after `ms`, or when `signal` aborts. */
	waitForAnswer(id: string, ms: number, signal?: AbortSignal): Promise<void> {
		const entry = this.#entries.get(id);
		if (!entry || entry.record.status !== 'pending' || ms <= 0 || signal?.aborted) return Promise.resolve();
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				entry.waiters.delete(done);
				signal?.removeEventListener('abort', done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			entry.waiters.add(done);
			signal?.addEventListener('abort', done, { once: true });
		});
	}

	get size(): number {
		return this.#entries.size;
	}

	close(): void {
		for (const entry of this.#entries.values()) {
			clearTimeout(entry.timer);
			for (const wake of [...entry.waiters]) wake();
		}
		this.#entries.clear();
	}

	#settle(id: string, status: Exclude<ClaimStatus, 'pending'>): void {
		const entry = this.#entries.get(id);
		if (!entry || entry.record.status !== 'pending') return;
		entry.record.status = status;
		entry.record.decidedAt = Date.now();
		clearTimeout(entry.timer);
		entry.timer = setTimeout(() => this.#entries.delete(id), this.#keepMs);
		entry.timer.unref();
		for (const wake of [...entry.waiters]) wake();
		log.info({ lessonId: entry.record.lessonId, classroomId: entry.record.classroomId, claimId: id, status }, 'claim settled');
		this.#changed(entry.record);
	}

	#changed(record: ClaimRecord): void {
		for (const listener of this.#listeners) {
			try {
				listener(record.lessonId, record.classroomId);
			} catch (error) {
				log.error({ err: (error as Error).message }, 'claim listener failed');
			}
		}
	}
}
