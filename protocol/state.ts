import type { LocaleKind, Role } from './common.ts';
import type { SurfaceState } from './surface.ts';
import type { PublicPoll } from './polls.ts';
import type { RecordingStatus } from './recording.ts';
import type { ClassReplayInfo } from './classReplay.ts';

/** What students may write: nothing, questions to the teacher and their assistant, or the chat. */
export type StudentChatMode = 'off' | 'questions' | 'chat';

/** What the server tells clients about the lesson. Built by the server; never parsed from peers. */

export interface LessonClassroom {
	id: string;
	name: string;
	schoolName: string;
	locale: LocaleKind;
	/** Short code students type on their phones. */
	joinCode: string;
}

export interface Participant {
	/** Stable pseudonymous id: the same device link always gives the same id (students: their class-list id). */
	id: string;
	role: Role;
	classroomId: string | null;
	displayName: string;
	online: boolean;
	joinedAt: number;
}

export interface HandEntry {
	participantId: string;
	classroomId: string | null;
	role: Role;
	displayName: string;
	raisedAt: number;
}

export interface ChatMessage {
	id: string;
	participantId: string;
	role: Role;
	classroomId: string | null;
	displayName: string;
	text: string;
	at: number;
	/** A student's question: seen only by the teacher, the student's own assistant and the student. */
	question?: boolean;
}

export type MediaSource = 'mic' | 'camera' | 'screen';

export interface PublishedTrack {
	producerId: string;
	participantId: string;
	classroomId: string | null;
	role: Role;
	source: MediaSource;
	kind: 'audio' | 'video';
	paused: boolean;
}

export interface LessonSnapshot {
	lessonId: string;
	title: string;
	teacherName: string;
	/** Increases with every change, so a client can drop stale snapshots. */
	version: number;
	serverTime: number;
	classrooms: LessonClassroom[];
	stageClassroomId: string | null;
	/** Students' snapshots hold only their own classroom's hands. */
	hands: HandEntry[];
	chatMuted: boolean;
	/** Students' snapshots hold no other students (a roster of every school is not theirs to see). */
	participants: Participant[];
	audioOnlyClassroomIds: string[];
	/** Classrooms the server put on audio + slides + board because their link cannot carry video (absent: none). */
	weakLinkClassroomIds?: string[];
	tracks: PublishedTrack[];
	/** Slides and boards: what is shown, the decks, who may draw. */
	surface: SurfaceState;
	studentChat: StudentChatMode;
	/** The poll on every screen: its question while open, results once revealed; null when none. */
	poll: PublicPoll | null;
	/** Whether the lesson is being recorded (every role sees the REC indicator). */
	recording: RecordingStatus;
	/** A replayed session's playback (absent in live lessons). */
	replay?: ClassReplayInfo;
}

export interface NetworkQuality {
	classroomId: string;
	/** Bits per second the SFU receives from and sends to the room, summed. */
	sendBitrate: number;
	recvBitrate: number;
	/** 0..1, the worse of uplink and downlink loss. */
	lossFraction: number;
	/** Milliseconds, or null before the first RTCP report. */
	rttMs: number | null;
	/** 0..10 as mediasoup scores streams; null without media. */
	score: number | null;
	at: number;
}

export interface ActiveSpeaker {
	participantId: string | null;
	classroomId: string | null;
	/** dBov, -127..0. */
	volume: number | null;
}
