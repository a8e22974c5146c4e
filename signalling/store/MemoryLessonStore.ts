import type { ChatMessage, HandEntry, Participant } from '../protocol/index.ts';
import type { LessonStore, LiveState, StoredSurface } from './LessonStore.ts';

interface LessonData {
	stage: string | null;
	chatMuted: boolean;
	audioOnly: Set<string>;
	version: number;
	hands: Map<string, HandEntry>;
	chat: ChatMessage[];
	participants: Map<string, Participant>;
	surface: StoredSurface | null;
}

/** The single-node default: everything in this process. */
export class MemoryLessonStore implements LessonStore {
	readonly kind = 'memory' as const;
	readonly #lessons = new Map<string, LessonData>();

	#lesson(lessonId: string): LessonData {
		let data = this.#lessons.get(lessonId);
		if (!data) {
			data = { stage: null, chatMuted: false, audioOnly: new Set(), version: 0, hands: new Map(), chat: [], participants: new Map(), surface: null };
			this.#lessons.set(lessonId, data);
		}
		return data;
	}

	async liveState(lessonId: string): Promise<LiveState> {
		const d = this.#lesson(lessonId);
		return { stageClassroomId: d.stage, chatMuted: d.chatMuted, audioOnlyClassroomIds: [...d.audioOnly].sort(), version: d.version };
	}

	async setStage(lessonId: string, classroomId: string | null): Promise<string | null> {
		const d = this.#lesson(lessonId);
		const previous = d.stage;
		d.stage = classroomId;
		return previous;
	}

	async setChatMuted(lessonId: string, muted: boolean): Promise<boolean> {
		const d = this.#lesson(lessonId);
		const changed = d.chatMuted !== muted;
		d.chatMuted = muted;
		return changed;
	}

	async setAudioOnly(lessonId: string, classroomId: string, audioOnly: boolean): Promise<boolean> {
		const set = this.#lesson(lessonId).audioOnly;
		const had = set.has(classroomId);
		if (audioOnly) set.add(classroomId);
		else set.delete(classroomId);
		return had !== audioOnly;
	}

	async raiseHand(lessonId: string, hand: HandEntry): Promise<boolean> {
		const hands = this.#lesson(lessonId).hands;
		if (hands.has(hand.participantId)) return false;
		hands.set(hand.participantId, structuredClone(hand));
		return true;
	}

	async lowerHand(lessonId: string, participantId: string): Promise<HandEntry | null> {
		const hands = this.#lesson(lessonId).hands;
		const hand = hands.get(participantId) ?? null;
		hands.delete(participantId);
		return hand;
	}

	async hands(lessonId: string): Promise<HandEntry[]> {
		return [...this.#lesson(lessonId).hands.values()].map((h) => structuredClone(h)).sort((a, b) => a.raisedAt - b.raisedAt);
	}

	async appendChat(lessonId: string, message: ChatMessage, keep: number): Promise<void> {
		const chat = this.#lesson(lessonId).chat;
		chat.push(structuredClone(message));
		if (chat.length > keep) chat.splice(0, chat.length - keep);
	}

	async chat(lessonId: string, limit: number): Promise<ChatMessage[]> {
		return this.#lesson(lessonId).chat.slice(-limit).map((m) => structuredClone(m));
	}

	async putParticipant(lessonId: string, participant: Participant): Promise<void> {
		this.#lesson(lessonId).participants.set(participant.id, structuredClone(participant));
	}

	async participants(lessonId: string): Promise<Participant[]> {
		return [...this.#lesson(lessonId).participants.values()].map((p) => structuredClone(p));
	}

	async bumpVersion(lessonId: string): Promise<number> {
		return ++this.#lesson(lessonId).version;
	}

	async surface(lessonId: string): Promise<StoredSurface | null> {
		const surface = this.#lesson(lessonId).surface;
		return surface ? structuredClone(surface) : null;
	}

	async setSurface(lessonId: string, surface: StoredSurface): Promise<void> {
		this.#lesson(lessonId).surface = structuredClone(surface);
	}

	async clearLesson(lessonId: string): Promise<void> {
		this.#lessons.delete(lessonId);
	}

	async close(): Promise<void> {
		this.#lessons.clear();
	}
}
