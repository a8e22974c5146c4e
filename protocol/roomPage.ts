import { z } from 'zod';
import { IdSchema } from './common.ts';
import type { PackageOrigin } from './packages.ts';

/**
 * A classroom's room page: the assistant's tablet between live lessons. Staff hand out its link
 * once per classroom (ROOM_LINK_ROUTE); with it the assistant sees the recorded lessons this server
 * holds and starts one in their room (a replayed session, see classReplay.ts) without staff.
 */

/** POST /api/classrooms/<id>/room-link (staff): the classroom's room page link. */
export const ROOM_LINK_ROUTE = /^\/api\/classrooms\/([^/]+)\/room-link$/;

export function roomLinkPath(classroomId: string): string {
	return `/api/classrooms/${encodeURIComponent(classroomId)}/room-link`;
}

export const RoomLinkRequestSchema = z
	.object({
		/** How long the link works (days); a new admin link ends it sooner. */
		days: z.number().int().min(1).max(400).default(180)
	})
	.strict();

export interface RoomLink {
	classroomId: string;
	link: string;
	expiresAt: number;
}

/** GET (the choices) and POST (start one) with the room page token as Bearer. */
export const ROOM_REPLAYS_API = '/api/room/replays';

/** A recorded lesson the room can take again. */
export interface RoomReplayChoice {
	lessonId: string;
	title: string;
	teacherName: string;
	startedAt: number;
	durationMs: number;
	/** Synced or imported from another server. */
	origin?: PackageOrigin;
}

export interface RoomReplayChoices {
	classroom: { id: string; name: string; schoolName: string };
	lessons: RoomReplayChoice[];
	/** The room's replayed session not yet ended, newest first (a room screen on this page opens it). */
	current: RoomReplayStarted | null;
}

export const StartRoomReplaySchema = z.object({ sourceLessonId: IdSchema }).strict();
export type StartRoomReplay = z.infer<typeof StartRoomReplaySchema>;

/** The replayed session just made for this room: the links its two devices open. */
export interface RoomReplayStarted {
	lessonId: string;
	title: string;
	/** The room screen's link (opened on the big screen). */
	room: string;
	/** The assistant's own link (this tablet goes there). */
	assistant: string;
	joinCode: string;
	expiresAt: number;
}
