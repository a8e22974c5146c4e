import type { PlaybackState, ChatMessage, HandEntry, Participant, PollAnswer, PollInfo, PublicPollResults, StudentChatMode, SurfaceState, TallyCounts } from '../../protocol/index.ts';

/** The surface state kept per lesson; decks come from the deck files, not from here. */
export type StoredSurface = Omit<SurfaceState, 'decks'>;

/** Lesson-wide switches that every node must agree on. */
export interface LiveState {
	stageClassroomId: string | null;
	chatMuted: boolean;
	audioOnlyClassroomIds: string[];
	/** Increases with every broadcast snapshot. */
	version: number;
	studentChat: StudentChatMode;
	/** The poll on every screen (open, closed or revealed), or null. */
	currentPollId: string | null;
}

/** A poll as stored: what the teacher sees, plus the anonymity key and the results frozen at reveal. */
export interface StoredPoll extends PollInfo {
	/**
	 * Anonymous polls: the per-poll key answers are filed under (HMAC of the participant id). It
	 * exists only while the poll is open; after close nobody can tell whose answer is whose.
	 */
	anonKey: string | null;
	results: PublicPollResults | null;
}

/** One answer: `voter` is the participant id, or for anonymous polls the keyed hash of it. */
export interface StoredAnswer {
	voter: string;
	classroomId: string;
	answer: PollAnswer;
}

export interface StoredTally extends TallyCounts {
	classroomId: string;
	by: 'teacher' | 'assistant';
	at: number;
}

/**
 * 'new', 'same' (this exact answer was in: nothing changes), 'changed' (replaced, the poll allows
 * it), 'locked' (a different answer was in and the poll does not allow changes), 'closed' (not
 * open, or its timer has run out), 'not_found'.
 */
export type AnswerOutcome = 'new' | 'same' | 'changed' | 'locked' | 'closed' | 'not_found';
export type OpenOutcome = 'opened' | 'busy' | 'not_draft' | 'not_found';

/**
 * Live lesson state: in memory for one node (default), in Redis when scaled out (REDIS_URL).
 * Both implementations pass the same suite (lessonStore.suite.ts). Media objects never live here:
 * they belong to the node that holds the sockets.
 */
export interface LessonStore {
	readonly kind: 'memory' | 'redis';
	liveState(lessonId: string): Promise<LiveState>;
	/** Returns the classroom that was on stage before. */
	setStage(lessonId: string, classroomId: string | null): Promise<string | null>;
	/** Returns whether anything changed. */
	setChatMuted(lessonId: string, muted: boolean): Promise<boolean>;
	setAudioOnly(lessonId: string, classroomId: string, audioOnly: boolean): Promise<boolean>;
	/** Adds the hand unless that participant's hand is up already; returns whether it was added. */
	raiseHand(lessonId: string, hand: HandEntry): Promise<boolean>;
	/** Removes and returns the participant's hand, if it was up. */
	lowerHand(lessonId: string, participantId: string): Promise<HandEntry | null>;
	/** Raised hands, oldest first. */
	hands(lessonId: string): Promise<HandEntry[]>;
	/** Appends a message and keeps only the newest `keep`. */
	appendChat(lessonId: string, message: ChatMessage, keep: number): Promise<void>;
	/** The newest `limit` messages, oldest first. */
	chat(lessonId: string, limit: number): Promise<ChatMessage[]>;
	/** Null until the lesson first changes its surface. */
	surface(lessonId: string): Promise<StoredSurface | null>;
	setSurface(lessonId: string, surface: StoredSurface): Promise<void>;
	/** A replayed session's shared playback; null until it first changes. */
	playback(lessonId: string): Promise<PlaybackState | null>;
	setPlayback(lessonId: string, playback: PlaybackState): Promise<void>;
	putParticipant(lessonId: string, participant: Participant): Promise<void>;
	participants(lessonId: string): Promise<Participant[]>;
	bumpVersion(lessonId: string): Promise<number>;
	setStudentChat(lessonId: string, mode: StudentChatMode): Promise<boolean>;

	/** Polls, oldest first. */
	polls(lessonId: string): Promise<StoredPoll[]>;
	poll(lessonId: string, pollId: string): Promise<StoredPoll | null>;
	/** Creates a draft, or replaces one; false when `poll.id` exists and is no longer a draft. */
	saveDraft(lessonId: string, poll: StoredPoll): Promise<boolean>;
	/** Deletes a draft; false when there is none with that id. */
	deleteDraft(lessonId: string, pollId: string): Promise<boolean>;
	/** Draft → open, and on every screen; 'busy' while another poll is open. */
	openPoll(lessonId: string, pollId: string, open: { openedAt: number; closesAt: number | null; anonKey: string | null }): Promise<OpenOutcome>;
	/** Open → closed (drops the anonymity key); false when it was not open (e.g. the timer won the race). */
	closePoll(lessonId: string, pollId: string, close: { closedAt: number; by: 'teacher' | 'timer' }): Promise<boolean>;
	/** Closed → revealed with its final public results; false when not closed or revealed already. */
	revealPoll(lessonId: string, pollId: string, revealedAt: number, results: PublicPollResults): Promise<boolean>;
	/** Takes a poll that is not open off the screens; false when it was not on them. */
	dismissPoll(lessonId: string, pollId: string): Promise<boolean>;
	/** Files one answer atomically with the open check (status and timer), once per voter. */
	answerPoll(lessonId: string, pollId: string, answer: StoredAnswer, now: number): Promise<AnswerOutcome>;
	pollAnswers(lessonId: string, pollId: string): Promise<StoredAnswer[]>;
	pollAnswer(lessonId: string, pollId: string, voter: string): Promise<StoredAnswer | null>;
	/** Replaces a room's tally while the poll is open or closed but not revealed; false otherwise. */
	setTally(lessonId: string, pollId: string, tally: StoredTally): Promise<boolean>;
	tallies(lessonId: string, pollId: string): Promise<StoredTally[]>;

	clearLesson(lessonId: string): Promise<void>;
	close(): Promise<void>;
}
