import type { ChatMessage, HandEntry, Participant, SurfaceState } from '../protocol/index.ts';

/** The surface state kept per lesson; decks come from the deck files, not from here. */
export type StoredSurface = Omit<SurfaceState, 'decks'>;

/** Lesson-wide switches that every node must agree on. */
export interface LiveState {
	stageClassroomId: string | null;
	chatMuted: boolean;
	audioOnlyClassroomIds: string[];
	/** Increases with every broadcast snapshot. */
	version: number;
}

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
	putParticipant(lessonId: string, participant: Participant): Promise<void>;
	participants(lessonId: string): Promise<Participant[]>;
	bumpVersion(lessonId: string): Promise<number>;
	clearLesson(lessonId: string): Promise<void>;
	close(): Promise<void>;
}
