import { viewOfSlideShown, type BoardSnapshot, type ClassroomEvent, type SurfaceView, type TimelineEntry } from '$protocol';

/** A moment worth finding on the seek bar. */
export type ReplayMarker =
	| { kind: 'slide'; atMs: number; view: SurfaceView }
	| { kind: 'poll'; atMs: number; pollId: string; question: string }
	| { kind: 'hand'; atMs: number; name: string | null; classroomId: string | null };

/** A stretch of the lesson on one deck page or blank board. */
export interface Chapter {
	startMs: number;
	endMs: number;
	view: Exclude<SurfaceView, { kind: 'none' }>;
}

export interface ReplayChatLine {
	mediaMs: number;
	messageId: string;
	from: string;
	role: string;
	classroomId: string | null;
	channel: 'chat' | 'question';
	text: string;
}

export interface ReplayPoll {
	pollId: string;
	question: string;
	kind: string;
	options: string[];
	openedMs: number;
	closedMs: number | null;
	revealedMs: number | null;
	/** Results as the teacher saw them, each from its media time on. */
	results: { mediaMs: number; results: unknown }[];
}

export interface PollAt {
	poll: ReplayPoll;
	status: 'open' | 'closed';
	/** The last results at or before the moment, else null. */
	results: unknown;
}

const NONE: SurfaceView = { kind: 'none' };

/**
 * A lesson's timeline and board snapshots, indexed for a player: what was shown, drawn, said and
 * asked at any media time. Built once per replay; every lookup is a binary search.
 */
export class ReplayIndex {
	readonly markers: ReplayMarker[];
	readonly chapters: Chapter[];
	readonly chat: ReplayChatLine[];
	readonly polls: ReplayPoll[];
	readonly #views: { atMs: number; view: SurfaceView }[];
	readonly #boards = new Map<string, BoardSnapshot[]>();

	constructor(entries: readonly TimelineEntry[], boards: readonly BoardSnapshot[], durationMs: number) {
		const sorted = [...entries].sort((a, b) => a.mediaMs - b.mediaMs);
		const names = new Map<string, string>();
		const views: { atMs: number; view: SurfaceView }[] = [];
		const markers: ReplayMarker[] = [];
		const chat: ReplayChatLine[] = [];
		const polls = new Map<string, ReplayPoll>();

		for (const entry of sorted) {
			if (entry.kind === 'surface') {
				views.push({ atMs: entry.mediaMs, view: entry.view });
			} else if (entry.kind === 'chat') {
				const { kind: _kind, ...line } = entry;
				chat.push(line);
			} else if (entry.kind === 'pollResults') {
				polls.get(entry.pollId)?.results.push({ mediaMs: entry.mediaMs, results: entry.results });
			} else {
				this.#onEvent(entry.event as ClassroomEvent, entry.mediaMs, { names, views, markers, polls });
			}
		}

		this.#views = dedupe(views);
		this.markers = markers;
		this.chat = chat;
		this.polls = [...polls.values()];
		this.chapters = chaptersOf(this.#views, durationMs);

		for (const snapshot of [...boards].sort((a, b) => a.mediaMs - b.mediaMs)) {
			const list = this.#boards.get(snapshot.boardId) ?? [];
			list.push(snapshot);
			this.#boards.set(snapshot.boardId, list);
		}
	}

	/** What classrooms were shown at `ms`. */
	viewAt(ms: number): SurfaceView {
		const i = lastAtOrBefore(this.#views, ms, (v) => v.atMs);
		return i < 0 ? NONE : (this.#views[i]?.view ?? NONE);
	}

	/** The board as it was at `ms`: its last snapshot at or before then (null: nothing drawn yet). */
	boardAt(boardId: string, ms: number): BoardSnapshot | null {
		const list = this.#boards.get(boardId);
		if (!list) return null;
		const i = lastAtOrBefore(list, ms, (s) => s.mediaMs);
		return i < 0 ? null : (list[i] ?? null);
	}

	/** How many chat lines were written by `ms` (the first n of `chat`). */
	chatCountAt(ms: number): number {
		return lastAtOrBefore(this.chat, ms, (c) => c.mediaMs) + 1;
	}

	pollsAt(ms: number): PollAt[] {
		return this.polls
			.filter((p) => p.openedMs <= ms)
			.map((poll) => {
				const i = lastAtOrBefore(poll.results, ms, (r) => r.mediaMs);
				return {
					poll,
					status: poll.closedMs !== null && poll.closedMs <= ms ? 'closed' : 'open',
					results: i < 0 ? null : (poll.results[i]?.results ?? null)
				};
			});
	}

	/** The chapter playing at `ms`, or -1 between chapters (nothing shown). */
	chapterAt(ms: number): number {
		const i = lastAtOrBefore(this.chapters, ms, (c) => c.startMs);
		const chapter = i < 0 ? undefined : this.chapters[i];
		return chapter && ms < chapter.endMs ? i : -1;
	}

	#onEvent(
		event: ClassroomEvent,
		atMs: number,
		into: {
			names: Map<string, string>;
			views: { atMs: number; view: SurfaceView }[];
			markers: ReplayMarker[];
			polls: Map<string, ReplayPoll>;
		}
	): void {
		switch (event.type) {
			case 'participant.joined':
				into.names.set(event.actor, event.data.displayName);
				break;
			case 'slide.shown': {
				const view = viewOfSlideShown(event.data);
				into.views.push({ atMs, view });
				if (view.kind !== 'none') into.markers.push({ kind: 'slide', atMs, view });
				break;
			}
			case 'poll.opened':
				into.polls.set(event.data.pollId, {
					pollId: event.data.pollId,
					question: event.data.question,
					kind: event.data.kind,
					options: event.data.options,
					openedMs: atMs,
					closedMs: null,
					revealedMs: null,
					results: []
				});
				into.markers.push({ kind: 'poll', atMs, pollId: event.data.pollId, question: event.data.question });
				break;
			case 'poll.closed': {
				const poll = into.polls.get(event.data.pollId);
				if (poll) poll.closedMs = atMs;
				break;
			}
			case 'poll.revealed': {
				const poll = into.polls.get(event.data.pollId);
				if (poll) poll.revealedMs = atMs;
				break;
			}
			case 'hand.raised':
				into.markers.push({
					kind: 'hand',
					atMs,
					name: into.names.get(event.data.participantId) ?? into.names.get(event.actor) ?? null,
					classroomId: event.classroomId
				});
				break;
			default:
				break;
		}
	}
}

export function sameView(a: SurfaceView, b: SurfaceView): boolean {
	if (a.kind !== b.kind) return false;
	if (a.kind === 'deck' && b.kind === 'deck') return a.deckId === b.deckId && a.page === b.page;
	if (a.kind === 'blank' && b.kind === 'blank') return a.boardId === b.boardId;
	return true;
}

/** Drops entries that repeat the view before them (a part's opening `surface` line, say). */
function dedupe(views: { atMs: number; view: SurfaceView }[]): { atMs: number; view: SurfaceView }[] {
	const out: { atMs: number; view: SurfaceView }[] = [];
	for (const v of views) {
		const last = out.at(-1);
		if (last && last.atMs === v.atMs) out[out.length - 1] = v;
		else if (!last || !sameView(last.view, v.view)) out.push(v);
	}
	return out;
}

function chaptersOf(views: { atMs: number; view: SurfaceView }[], durationMs: number): Chapter[] {
	const chapters: Chapter[] = [];
	views.forEach((v, i) => {
		if (v.view.kind === 'none') return;
		const endMs = views[i + 1]?.atMs ?? Math.max(durationMs, v.atMs);
		if (endMs > v.atMs || i === views.length - 1) chapters.push({ startMs: Math.max(0, v.atMs), endMs, view: v.view });
	});
	return chapters;
}

/** Index of the last item whose time is <= ms (items sorted by time), or -1. */
export function lastAtOrBefore<T>(items: readonly T[], ms: number, time: (item: T) => number): number {
	let lo = 0;
	let hi = items.length - 1;
	let found = -1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		if (time(items[mid] as T) <= ms) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}
