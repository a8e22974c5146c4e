import type { IncomingMessage } from 'node:http';

/** Who is asking: staff see every package; a teacher token sees its own lesson's only. */
export type LibraryViewer = { kind: 'staff' } | { kind: 'teacher'; lessonId: string };

/**
 * The credentials of the library routes (signalling's tokens and staff sign-in, wired in app/). A
 * missing or refused credential is an AppError `unauthorized`, one of another role `forbidden`.
 */
export interface LibraryAccess {
	/** A Bearer token (staff's admin token, or a teacher's lesson token), else the staff session cookie. */
	viewer(req: IncomingMessage): Promise<LibraryViewer>;
	/** A short-lived token for one lesson's media files. */
	signMedia(lessonId: string, expiresAt: number): Promise<string>;
	/** Resolves when `token` is a media token of this lesson. */
	verifyMedia(token: string | null, lessonId: string): Promise<void>;
}
