import type { PlaybackState, ChatMessage, HandEntry, Participant, PublicPollResults, StudentChatMode } from '../../protocol/index.ts';
import type { AnswerOutcome, LessonStore, LiveState, OpenOutcome, StoredAnswer, StoredPoll, StoredSurface, StoredTally } from './LessonStore.ts';

interface PollData {
	poll: StoredPoll;
	answers: Map<string, StoredAnswer>;
	tallies: Map<string, StoredTally>;
}

interface LessonData {
	stage: string | null;
	chatMuted: boolean;
	audioOnly: Set<string>;
	version: number;
	hands: Map<string, HandEntry>;
	chat: ChatMessage[];
	participants: Map<string, Participant>;
	surface: StoredSurface | null;
	playback: PlaybackState | null;
	studentChat: StudentChatMode;
	openPollId: string | null;
	currentPollId: string | null;
	polls: Map<string, PollData>;
}

/** The single-node default: everything in this process. */
export class MemoryLessonStore implements LessonStore {
	readonly kind = 'memory' as const;
	readonly #lessons = new Map<string, LessonData>();

	#lesson(lessonId: string): LessonData {
		let data = this.#lessons.get(lessonId);
		if (!data) {
			data = {
				stage: null,
				chatMuted: false,
				audioOnly: new Set(),
				version: 0,
				hands: new Map(),
				chat: [],
				participants: new Map(),
				surface: null,
				playback: null,
				studentChat: 'off',
				openPollId: null,
				currentPollId: null,
				polls: new Map()
			};
			this.#lessons.set(lessonId, data);
		}
		return data;
	}

	async liveState(lessonId: string): Promise<LiveState> {
		const d = this.#lesson(lessonId);
		return {
			stageClassroomId: d.stage,
			chatMuted: d.chatMuted,
			audioOnlyClassroomIds: [...d.audioOnly].sort(),
			version: d.version,
			studentChat: d.studentChat,
			currentPollId: d.currentPollId
		};
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

	async playback(lessonId: string): Promise<PlaybackState | null> {
		const playback = this.#lesson(lessonId).playback;
		return playback ? { ...playback } : null;
	}

	async setPlayback(lessonId: string, playback: PlaybackState): Promise<void> {
		this.#lesson(lessonId).playback = { ...playback };
	}

	async setStudentChat(lessonId: string, mode: StudentChatMode): Promise<boolean> {
		const d = this.#lesson(lessonId);
		const changed = d.studentChat !== mode;
		d.studentChat = mode;
		return changed;
	}

	async polls(lessonId: string): Promise<StoredPoll[]> {
		return [...this.#lesson(lessonId).polls.values()].map((p) => structuredClone(p.poll));
	}

	async poll(lessonId: string, pollId: string): Promise<StoredPoll | null> {
		const data = this.#lesson(lessonId).polls.get(pollId);
		return data ? structuredClone(data.poll) : null;
	}

	async saveDraft(lessonId: string, poll: StoredPoll): Promise<boolean> {
		const polls = this.#lesson(lessonId).polls;
		const existing = polls.get(poll.id);
		if (existing && existing.poll.status !== 'draft') return false;
		const draft = structuredClone({ ...poll, status: 'draft' as const });
		if (existing) existing.poll = draft;
		else polls.set(poll.id, { poll: draft, answers: new Map(), tallies: new Map() });
		return true;
	}

	async deleteDraft(lessonId: string, pollId: string): Promise<boolean> {
		const polls = this.#lesson(lessonId).polls;
		if (polls.get(pollId)?.poll.status !== 'draft') return false;
		return polls.delete(pollId);
	}

	async openPoll(lessonId: string, pollId: string, open: { openedAt: number; closesAt: number | null; anonKey: string | null }): Promise<OpenOutcome> {
		const d = this.#lesson(lessonId);
		const data = d.polls.get(pollId);
		if (!data) return 'not_found';
		if (data.poll.status !== 'draft') return 'not_draft';
		if (d.openPollId) return 'busy';
		Object.assign(data.poll, { status: 'open', openedAt: open.openedAt, closesAt: open.closesAt, anonKey: open.anonKey });
		d.openPollId = pollId;
		d.currentPollId = pollId;
		return 'opened';
	}

	async closePoll(lessonId: string, pollId: string, close: { closedAt: number; by: 'teacher' | 'timer' }): Promise<boolean> {
		const d = this.#lesson(lessonId);
		const data = d.polls.get(pollId);
		if (data?.poll.status !== 'open') return false;
		Object.assign(data.poll, { status: 'closed', closedAt: close.closedAt, closedBy: close.by, anonKey: null });
		if (d.openPollId === pollId) d.openPollId = null;
		return true;
	}

	async revealPoll(lessonId: string, pollId: string, revealedAt: number, results: PublicPollResults): Promise<boolean> {
		const data = this.#lesson(lessonId).polls.get(pollId);
		if (data?.poll.status !== 'closed' || data.poll.revealedAt !== null) return false;
		Object.assign(data.poll, { revealedAt, results: structuredClone(results) });
		return true;
	}

	async dismissPoll(lessonId: string, pollId: string): Promise<boolean> {
		const d = this.#lesson(lessonId);
		if (d.currentPollId !== pollId || d.openPollId === pollId) return false;
		d.currentPollId = null;
		return true;
	}

	async answerPoll(lessonId: string, pollId: string, answer: StoredAnswer, now: number): Promise<AnswerOutcome> {
		const data = this.#lesson(lessonId).polls.get(pollId);
		if (!data || data.poll.status === 'draft') return 'not_found';
		if (data.poll.status !== 'open' || (data.poll.closesAt !== null && now >= data.poll.closesAt)) return 'closed';
		const previous = data.answers.get(answer.voter);
		if (previous && JSON.stringify(previous) === JSON.stringify(answer)) return 'same';
		if (previous && !data.poll.spec.allowChange) return 'locked';
		data.answers.set(answer.voter, structuredClone(answer));
		return previous ? 'changed' : 'new';
	}

	async pollAnswers(lessonId: string, pollId: string): Promise<StoredAnswer[]> {
		const data = this.#lesson(lessonId).polls.get(pollId);
		return data ? [...data.answers.values()].map((a) => structuredClone(a)) : [];
	}

	async pollAnswer(lessonId: string, pollId: string, voter: string): Promise<StoredAnswer | null> {
		const answer = this.#lesson(lessonId).polls.get(pollId)?.answers.get(voter);
		return answer ? structuredClone(answer) : null;
	}

	async setTally(lessonId: string, pollId: string, tally: StoredTally): Promise<boolean> {
		const data = this.#lesson(lessonId).polls.get(pollId);
		if (!data || data.poll.status === 'draft' || data.poll.revealedAt !== null) return false;
		data.tallies.set(tally.classroomId, structuredClone(tally));
		return true;
	}

	async tallies(lessonId: string, pollId: string): Promise<StoredTally[]> {
		const data = this.#lesson(lessonId).polls.get(pollId);
		return data ? [...data.tallies.values()].map((t) => structuredClone(t)).sort((a, b) => a.classroomId.localeCompare(b.classroomId)) : [];
	}

	/** Everything kept for one lesson as JSON, for tests that look at what is stored. */
	dump(lessonId: string): string {
		return JSON.stringify(this.#lessons.get(lessonId) ?? null, (_key, value: unknown) => {
			if (value instanceof Map) return Object.fromEntries(value);
			if (value instanceof Set) return [...value];
			return value;
		});
	}

	async clearLesson(lessonId: string): Promise<void> {
		this.#lessons.delete(lessonId);
	}

	async close(): Promise<void> {
		this.#lessons.clear();
	}
}
