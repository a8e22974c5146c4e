import { createHash } from 'node:crypto';
import type { RecordingManifest, TimelineEntry } from '../../protocol/index.ts';

const NON_PERSON = new Set(['system', 'anonymous']);

/**
 * Student and room-side names out of a package: every participant id of a non-teacher role, and every
 * display name such a participant had, becomes `p_<16 hex>` (salted per server, stable across its
 * packages). The teacher's name stays: it is on the lesson itself.
 */
export class PackagePseudonyms {
	readonly #salt: string;
	readonly #replace = new Map<string, string>();

	constructor(salt: string) {
		this.#salt = salt;
	}

	of(id: string): string {
		return `p_${createHash('sha256').update(this.#salt + id).digest('hex').slice(0, 16)}`;
	}

	/** Learns who is a person to hide from the timeline (ids and the names they showed). */
	learn(timeline: TimelineEntry[], manifest: RecordingManifest): void {
		for (const entry of timeline) {
			if (entry.kind === 'event') {
				const { actor, role, data } = entry.event as { actor: string; role: string; data: Record<string, unknown> };
				if (role === 'teacher' || NON_PERSON.has(actor)) continue;
				this.#replace.set(actor, this.of(actor));
				const name = data['displayName'];
				if (typeof name === 'string' && name && name !== manifest.teacherName) this.#replace.set(name, this.of(actor));
			} else if (entry.kind === 'chat' && entry.role !== 'teacher' && entry.from !== manifest.teacherName) {
				if (!this.#replace.has(entry.from)) this.#replace.set(entry.from, this.of(`name:${entry.from}`));
			}
		}
		for (const voice of manifest.media?.voices ?? []) if (voice.role !== 'teacher') this.#replace.set(voice.participantId, this.of(voice.participantId));
	}

	/** A deep copy with every learned id or name replaced where it is a whole string value. */
	apply<T>(value: T): T {
		return this.#walk(value) as T;
	}

	#walk(value: unknown): unknown {
		if (typeof value === 'string') return this.#replace.get(value) ?? value;
		if (Array.isArray(value)) return value.map((v) => this.#walk(v));
		if (value && typeof value === 'object') {
			const out: Record<string, unknown> = {};
			for (const [k, v] of Object.entries(value)) out[k] = this.#walk(v);
			return out;
		}
		return value;
	}
}
