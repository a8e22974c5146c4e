import type {
	ActiveSpeaker,
	ChatMessage,
	HandEntry,
	LessonClassroom,
	LessonSnapshot,
	NetworkQuality,
	Participant
} from '$protocol';

const MAX_CHAT = 500;

/** What the server tells us about the lesson: snapshot, chat, network, active speaker. */
export class LessonState {
	snapshot = $state.raw<LessonSnapshot | null>(null);
	chat = $state.raw<ChatMessage[]>([]);
	network = $state.raw<Record<string, NetworkQuality>>({});
	speaker = $state.raw<ActiveSpeaker | null>(null);

	/** Set while joining: the next snapshot (from the join answer or a notification) is taken as is. */
	#acceptAny = true;

	classrooms: LessonClassroom[] = $derived(this.snapshot?.classrooms ?? []);
	participants: Participant[] = $derived(this.snapshot?.participants ?? []);
	hands: HandEntry[] = $derived([...(this.snapshot?.hands ?? [])].sort((a, b) => a.raisedAt - b.raisedAt));
	stageClassroomId: string | null = $derived(this.snapshot?.stageClassroomId ?? null);
	chatMuted: boolean = $derived(this.snapshot?.chatMuted ?? false);

	/** A (re)join is starting: the server may have restarted, so versions can go backwards once. */
	beginJoin(): void {
		this.#acceptAny = true;
	}

	applySnapshot(next: LessonSnapshot): void {
		const current = this.snapshot;
		if (this.#acceptAny || !current || current.lessonId !== next.lessonId || next.version > current.version) {
			this.snapshot = next;
			this.#acceptAny = false;
		}
	}

	/** Chat history from the join answer, merged with anything that arrived meanwhile. */
	resetChat(history: ChatMessage[]): void {
		this.chat = merge([], [...history, ...this.chat]);
	}

	addChat(message: ChatMessage): void {
		if (this.chat.some((m) => m.id === message.id)) return;
		this.chat = merge(this.chat, [message]);
	}

	setNetwork(list: NetworkQuality[]): void {
		const next: Record<string, NetworkQuality> = { ...this.network };
		for (const q of list) next[q.classroomId] = q;
		this.network = next;
	}

	setSpeaker(speaker: ActiveSpeaker): void {
		this.speaker = speaker;
	}

	classroom(id: string | null | undefined): LessonClassroom | undefined {
		return id ? this.classrooms.find((c) => c.id === id) : undefined;
	}

	isAudioOnly(classroomId: string): boolean {
		return this.snapshot?.audioOnlyClassroomIds.includes(classroomId) ?? false;
	}

	/** The server put the room on audio + slides + board because its link cannot carry video. */
	isWeakLink(classroomId: string): boolean {
		return this.snapshot?.weakLinkClassroomIds?.includes(classroomId) ?? false;
	}

	/** A room counts as online when its room device is connected. */
	isClassroomOnline(classroomId: string): boolean {
		return this.participants.some((p) => p.classroomId === classroomId && p.role === 'classroom' && p.online);
	}

	handsIn(classroomId: string): HandEntry[] {
		return this.hands.filter((h) => h.classroomId === classroomId);
	}

	participant(id: string | null | undefined): Participant | undefined {
		return id ? this.participants.find((p) => p.id === id) : undefined;
	}
}

function merge(base: ChatMessage[], extra: ChatMessage[]): ChatMessage[] {
	const byId = new Map<string, ChatMessage>();
	for (const m of base) byId.set(m.id, m);
	for (const m of extra) byId.set(m.id, m);
	return [...byId.values()].sort((a, b) => a.at - b.at).slice(-MAX_CHAT);
}
