import { AppError } from '../../../core/errors.ts';
import { SYSTEM_ACTOR, type EventActor } from '../../../core/EventBus.ts';
import { moduleLogger } from '../../../core/logger.ts';
import {
	playbackPosition,
	RECORDINGS_API,
	type ClassReplayInfo,
	type ClassReplayPlan,
	type ClassReplayPoll,
	type ClassReplaySurfaceSource,
	type PlaybackState,
	type ReplayControl
} from '../../../protocol/index.ts';
import { pending } from '../../lesson/commit.ts';
import type { LessonSession } from '../../lesson/LessonSession.ts';
import { closePoll, openReplayedPoll } from '../polls/lifecycle.ts';

const log = moduleLogger('class-replay');

/** The recorded lesson a replayed session plays (recorder's packages; wired in app/). */
export interface ClassReplaySource {
	plan(sourceLessonId: string): Promise<ClassReplayPlan>;
	/** A token for the recorded lesson's media files, valid until `expiresAt`. */
	mediaToken(sourceLessonId: string, expiresAt: number): Promise<string>;
	/** The recorded slides and board (the room screen shows them beside the video). */
	surface(sourceLessonId: string): Promise<ClassReplaySurfaceSource>;
}

/**
 * One replayed session's shared playback, kept in the lesson store. The server's clock is the
 * truth: screens follow `PlaybackState`; a timer stops the playback at the next recorded poll not yet opened in this
 * session, opens that poll to the room's phones, and waits for the assistant to continue. A poll
 * opens once per session: rewinding past it plays on.
 */
export class ClassReplay {
	readonly #session: LessonSession;
	readonly #plan: ClassReplayPlan;
	readonly #mediaToken: string;
	readonly #opened = new Set<string>();
	#state: PlaybackState;
	#timer: NodeJS.Timeout | null = null;
	#queue: Promise<unknown> = Promise.resolve();

	/** `saved`: the playback kept in the store (a session released when everyone left, or another node's). */
	constructor(session: LessonSession, plan: ClassReplayPlan, mediaToken: string, opened: Iterable<string>, saved: PlaybackState | null) {
		this.#session = session;
		this.#plan = plan;
		this.#mediaToken = mediaToken;
		for (const id of opened) this.#opened.add(id);
		this.#state = saved ?? { status: 'paused', positionMs: 0, at: Date.now(), reason: 'start', waitingPollId: null };
		this.#schedule();
	}

	get state(): PlaybackState {
		return this.#state;
	}

	info(): ClassReplayInfo {
		const src = (file: string) => `${RECORDINGS_API}/${encodeURIComponent(this.#plan.sourceLessonId)}/files/media/${file}?m=${encodeURIComponent(this.#mediaToken)}`;
		const { program, screens } = this.#plan;
		return {
			sourceLessonId: this.#plan.sourceLessonId,
			durationMs: this.#plan.durationMs,
			playback: this.#state,
			polls: this.#plan.polls.map((p) => ({ pollId: p.pollId, mediaMs: p.mediaMs, question: p.spec.question, opened: this.#opened.has(p.pollId) })),
			media: {
				program: program ? { src: src(program.file), hasVideo: program.hasVideo, hasAudio: program.hasAudio } : null,
				screens: screens.map((s) => ({ src: src(s.file), startMs: s.startMs, durationMs: s.durationMs }))
			}
		};
	}

	/** The assistant's play (continue), pause and seek, one at a time. */
	control(actor: EventActor, control: ReplayControl): Promise<PlaybackState> {
		const run = this.#queue.then(() => this.#control(actor, control));
		this.#queue = run.catch(() => undefined);
		return run;
	}

	stop(): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
	}

	async #control(actor: EventActor, control: ReplayControl): Promise<PlaybackState> {
		const now = Date.now();
		const position = playbackPosition(this.#state, now, this.#plan.durationMs);
		if (control.action === 'pause') {
			if (this.#state.status !== 'playing') return this.#state;
			return this.#change(actor, { status: 'paused', positionMs: position, at: now, reason: 'assistant', waitingPollId: null });
		}
		if (control.action === 'seek') {
			const positionMs = Math.min(control.positionMs, this.#plan.durationMs);
			const status = this.#state.status === 'playing' ? 'playing' : 'paused';
			return this.#change(actor, { status, positionMs, at: now, reason: 'assistant', waitingPollId: null });
		}
		if (this.#state.status === 'playing') return this.#state;
		const waiting = this.#state.waitingPollId;
		if (waiting) await this.#closeIfOpen(waiting, actor);
		const from = this.#state.status === 'ended' ? 0 : position;
		return this.#change(actor, { status: 'playing', positionMs: from, at: Date.now(), reason: 'assistant', waitingPollId: null });
	}

	async #closeIfOpen(pollId: string, actor: EventActor): Promise<void> {
		const poll = await this.#session.store.poll(this.#session.lessonId, pollId);
		if (poll?.status === 'open') await closePoll(this.#session, pollId, 'teacher', actor);
	}

	async #change(actor: EventActor, next: PlaybackState, pollId: string | null = null): Promise<PlaybackState> {
		await this.#session.commit(actor, {
			apply: async () => {
				await this.#session.store.setPlayback(this.#session.lessonId, next);
				this.#state = next;
				this.#schedule();
			},
			events: () => [pending('playback.changed', { status: next.status, positionMs: Math.round(next.positionMs), reason: next.reason, pollId })]
		});
		return this.#state;
	}

	/** While playing: a timer for the next recorded poll not yet opened, else for the end. */
	#schedule(): void {
		this.stop();
		const state = this.#state;
		if (state.status !== 'playing') return;
		const position = playbackPosition(state, Date.now(), this.#plan.durationMs);
		// From where this stretch of playing began: a poll passed while no timer ran (a restored
		// session) still stops the playback, at its own time.
		const next = this.#plan.polls.find((p) => !this.#opened.has(p.pollId) && p.mediaMs >= state.positionMs);
		const target = next ? next.mediaMs : this.#plan.durationMs;
		const due = () => {
			this.#timer = null;
			const run = this.#queue.then(() => (next ? this.#reachPoll(next) : this.#reachEnd()));
			this.#queue = run.catch((error: Error) => log.error({ lessonId: this.#session.lessonId, err: error.message }, 'the replayed playback could not move on'));
		};
		this.#timer = setTimeout(due, Math.max(0, target - position));
		this.#timer.unref();
	}

	async #reachPoll(poll: ClassReplayPoll): Promise<void> {
		if (this.#state.status !== 'playing') return;
		const outcome = await openReplayedPoll(this.#session, poll.pollId, poll.spec);
		// While the assistant's own poll is open the recorded one waits: continuing stops here again.
		if (outcome !== 'busy') this.#opened.add(poll.pollId);
		const opened = outcome === 'opened';
		if (!opened) log.info({ lessonId: this.#session.lessonId, pollId: poll.pollId, outcome }, 'recorded poll not opened');
		await this.#change(
			SYSTEM_ACTOR,
			{ status: 'paused', positionMs: poll.mediaMs, at: Date.now(), reason: 'poll', waitingPollId: opened ? poll.pollId : null },
			poll.pollId
		);
	}

	async #reachEnd(): Promise<void> {
		if (this.#state.status !== 'playing') return;
		await this.#change(SYSTEM_ACTOR, { status: 'ended', positionMs: this.#plan.durationMs, at: Date.now(), reason: 'end', waitingPollId: null });
	}
}

const replays = new WeakMap<LessonSession, Promise<ClassReplay>>();

/** A replayed session's playback, loaded from the recorded lesson on first use. */
export function loadClassReplay(session: LessonSession, source: ClassReplaySource | undefined): Promise<ClassReplay> {
	let loaded = replays.get(session);
	if (!loaded) {
		const sourceId = session.record.replayOf;
		if (!sourceId || !source) return Promise.reject(new AppError('unavailable', 'this lesson is not a replayed session'));
		loaded = (async () => {
			const [plan, token, polls, saved] = await Promise.all([
				source.plan(sourceId),
				source.mediaToken(sourceId, session.record.linksExpireAt),
				session.store.polls(session.lessonId),
				session.store.playback(session.lessonId)
			]);
			const replay = new ClassReplay(session, plan, token, polls.filter((p) => p.status !== 'draft').map((p) => p.id), saved);
			session.attachReplay({ info: () => replay.info(), stop: () => replay.stop() });
			return replay;
		})();
		loaded.catch(() => replays.delete(session));
		replays.set(session, loaded);
	}
	return loaded;
}

/** The replayed session's playback, once loaded (by the first join). */
export function classReplayOf(session: LessonSession): Promise<ClassReplay> {
	const loaded = replays.get(session);
	if (!loaded) return Promise.reject(new AppError('conflict', 'this lesson is not a replayed session'));
	return loaded;
}
