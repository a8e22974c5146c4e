import { EMPTY_SURFACE, type ClassroomEvent, type HandEntry, type Participant, type PollSpec, type Role } from '../../protocol/index.ts';
import type { LessonStore, StoredPoll, StoredSurface } from './LessonStore.ts';

function emptySurface(): StoredSurface {
	const { decks: _decks, ...empty } = structuredClone(EMPTY_SURFACE);
	return empty;
}

/**
 * Rebuilds a lesson's live state in `store` from its event stream alone: presence, hands, chat
 * and questions, the lesson's switches, the stage, what is shown and who may draw, and the polls'
 * lifecycle. What events do not carry on purpose stays out: answers (analytics gets them without
 * names or text), tallies' counts per option beyond the event, observers (never stored).
 */
export async function replayEvents(store: LessonStore, lessonId: string, events: readonly ClassroomEvent[]): Promise<void> {
	for (const event of events) await apply(store, lessonId, event);
}

async function apply(store: LessonStore, lessonId: string, event: ClassroomEvent): Promise<void> {
	const participant = async (): Promise<Participant | undefined> => (await store.participants(lessonId)).find((p) => p.id === event.actor);
	switch (event.type) {
		case 'participant.joined': {
			if (event.role === 'observer' || event.role === 'system') return;
			await store.putParticipant(lessonId, {
				id: event.actor,
				role: event.role,
				classroomId: event.classroomId,
				displayName: event.data.displayName,
				online: true,
				joinedAt: event.data.joinedAt
			});
			return;
		}
		case 'participant.away':
		case 'participant.left': {
			const known = await participant();
			if (known) await store.putParticipant(lessonId, { ...known, online: false });
			return;
		}
		case 'hand.raised': {
			const known = (await store.participants(lessonId)).find((p) => p.id === event.data.participantId);
			if (!known) return;
			const hand: HandEntry = { participantId: known.id, classroomId: known.classroomId, role: known.role, displayName: known.displayName, raisedAt: event.at };
			await store.raiseHand(lessonId, hand);
			return;
		}
		case 'hand.lowered':
			await store.lowerHand(lessonId, event.data.participantId);
			return;
		case 'chat.sent':
		case 'question.asked':
			await store.appendChat(
				lessonId,
				{
					id: event.data.messageId,
					participantId: event.actor,
					role: event.role as Role,
					classroomId: event.classroomId,
					displayName: event.data.displayName,
					text: event.data.text,
					at: event.at,
					...(event.type === 'question.asked' ? { question: true } : {})
				},
				Number.MAX_SAFE_INTEGER
			);
			return;
		case 'chat.muted':
			await store.setChatMuted(lessonId, event.data.muted);
			return;
		case 'studentChat.changed':
			await store.setStudentChat(lessonId, event.data.mode);
			return;
		case 'stage.changed':
			await store.setStage(lessonId, event.data.classroomId);
			return;
		case 'audioOnly.changed':
			if (event.classroomId) await store.setAudioOnly(lessonId, event.classroomId, event.data.audioOnly);
			return;
		case 'slide.shown':
		case 'board.added':
		case 'board.granted':
		case 'board.revoked': {
			const surface = (await store.surface(lessonId)) ?? emptySurface();
			if (event.type === 'slide.shown') {
				const { kind, deckId, page, boardId } = event.data;
				if (kind === 'deck' && deckId && page !== null) {
					surface.view = { kind: 'deck', deckId, page };
					surface.deckPages[deckId] = page;
				} else if (kind === 'blank' && boardId) surface.view = { kind: 'blank', boardId };
				else surface.view = { kind: 'none' };
			} else if (event.type === 'board.added') {
				surface.blankBoards.push({ id: event.data.boardId, number: event.data.number, createdAt: event.at });
			} else if (event.type === 'board.granted') {
				if (!surface.drawers.includes(event.data.participantId)) surface.drawers.push(event.data.participantId);
			} else {
				surface.drawers = surface.drawers.filter((id) => id !== event.data.participantId);
			}
			await store.setSurface(lessonId, surface);
			return;
		}
		case 'poll.prepared':
		case 'poll.opened':
			await openedOrPrepared(store, lessonId, event);
			return;
		case 'poll.discarded':
			await store.deleteDraft(lessonId, event.data.pollId);
			return;
		case 'poll.closed':
			await store.closePoll(lessonId, event.data.pollId, { closedAt: event.at, by: event.data.by });
			return;
		case 'poll.revealed': {
			const { answered, counts, correct, tally, numeric, withheld } = event.data.results;
			await store.revealPoll(lessonId, event.data.pollId, event.at, { answered, counts, correct, tally, numeric, withheld });
			return;
		}
		case 'poll.dismissed':
			await store.dismissPoll(lessonId, event.data.pollId);
			return;
		default:
			return;
	}
}

/**
 * A prepared poll becomes a draft; an opened one is opened (a draft first when it was opened
 * without preparing). The spec holds what the events carry: kind, question, options, settings.
 */
async function openedOrPrepared(store: LessonStore, lessonId: string, event: Extract<ClassroomEvent, { type: 'poll.prepared' | 'poll.opened' }>): Promise<void> {
	const { pollId } = event.data;
	const existing = await store.poll(lessonId, pollId);
	if (event.type === 'poll.prepared') {
		const spec = existing ? { ...existing.spec, kind: event.data.kind, question: event.data.question } : specOf(event.data.kind, event.data.question);
		await store.saveDraft(lessonId, existing ? { ...existing, spec: spec as PollSpec } : draftOf(pollId, spec as PollSpec, true, event.at));
		return;
	}
	const { kind, question, options, anonymous, allowChange, timerSeconds, slide, openedAt, closesAt, prepared } = event.data;
	const spec = { ...specOf(kind, question), options, anonymous, allowChange, timerSeconds, slide } as PollSpec;
	if (!existing) await store.saveDraft(lessonId, draftOf(pollId, spec, prepared, openedAt));
	await store.openPoll(lessonId, pollId, { openedAt, closesAt, anonKey: null });
}

function specOf(kind: PollSpec['kind'], question: string): Record<string, unknown> {
	return { kind, question, options: [], correct: null, anonymous: false, allowChange: false, timerSeconds: null, slide: null };
}

function draftOf(id: string, spec: PollSpec, prepared: boolean, createdAt: number): StoredPoll {
	return { id, spec, status: 'draft', prepared, createdAt, openedAt: null, closesAt: null, closedAt: null, closedBy: null, revealedAt: null, anonKey: null, results: null };
}

/**
 * The parts of a lesson's stored state that its events rebuild, in a form to compare: a live
 * lesson's store and a store replayed from its events must give the same.
 */
export async function replayableState(store: LessonStore, lessonId: string) {
	const [live, participants, hands, chat, surface, polls] = await Promise.all([
		store.liveState(lessonId),
		store.participants(lessonId),
		store.hands(lessonId),
		store.chat(lessonId, 1000),
		store.surface(lessonId),
		store.polls(lessonId)
	]);
	return {
		switches: { stage: live.stageClassroomId, chatMuted: live.chatMuted, studentChat: live.studentChat, audioOnly: [...live.audioOnlyClassroomIds].sort(), currentPollId: live.currentPollId },
		participants: participants.map(({ id, role, classroomId, displayName, online, joinedAt }) => ({ id, role, classroomId, displayName, online, joinedAt })).sort((a, b) => a.id.localeCompare(b.id)),
		hands: hands.map((h) => ({ participantId: h.participantId, classroomId: h.classroomId })),
		chat: chat.map(({ id, participantId, displayName, text, question }) => ({ id, participantId, displayName, text, question: question ?? false })),
		surface: surface && { view: surface.view, deckPages: surface.deckPages, drawers: [...surface.drawers].sort(), blankBoards: surface.blankBoards.map((b) => ({ id: b.id, number: b.number })) },
		polls: polls
			.map((p) => ({ id: p.id, status: p.status, kind: p.spec.kind, question: p.spec.question, closedBy: p.closedBy, revealed: p.revealedAt !== null, answered: p.results?.answered ?? null }))
			.sort((a, b) => a.id.localeCompare(b.id))
	};
}
