import type { IncomingMessage } from 'node:http';
import { AppError } from '../../core/errors.ts';
import { bearerToken } from '../../core/http/httpUtil.ts';
import { RECORDINGS_API, type ClassReplaySurface } from '../../protocol/index.ts';
import { unauthorizedOnRefusal } from '../auth/tokenRefusal.ts';
import type { TokenService } from '../auth/TokenService.ts';
import type { CatalogStore } from '../catalog/CatalogStore.ts';
import type { ClassReplaySource } from '../handlers/classReplay/ClassReplay.ts';

export interface ClassReplaySurfaceDeps {
	catalog: CatalogStore;
	tokens: TokenService;
	replays?: Pick<ClassReplaySource, 'surface' | 'mediaToken'>;
}

/**
 * The recorded slides and board for a replayed session's room screen and assistant: their own
 * lesson token (Bearer), for this lesson only. Teachers, phones and observers of the session have no
 * use for it; staff read the whole package through the library routes.
 */
export async function classReplaySurface(req: IncomingMessage, lessonId: string, deps: ClassReplaySurfaceDeps): Promise<ClassReplaySurface> {
	const grant = await unauthorizedOnRefusal(deps.tokens.verifyLesson(bearerToken(req) ?? null));
	if (grant.lessonId !== lessonId) throw new AppError('forbidden', 'this token is for another lesson');
	if (grant.role !== 'classroom' && grant.role !== 'assistant') throw new AppError('forbidden', 'only the room screen and the assistant read the recorded slides');
	const lesson = deps.catalog.lesson(lessonId);
	if (!lesson) throw new AppError('not_found', `no lesson ${lessonId}`);
	const sourceLessonId = lesson.replayOf;
	if (!sourceLessonId) throw new AppError('conflict', 'this lesson is not a replayed session');
	if (!deps.replays) throw new AppError('unavailable', 'this server keeps no recorded lessons');
	const [surface, mediaToken] = await Promise.all([deps.replays.surface(sourceLessonId), deps.replays.mediaToken(sourceLessonId, lesson.linksExpireAt)]);
	const src = (file: string) => `${RECORDINGS_API}/${encodeURIComponent(sourceLessonId)}/files/${file}?m=${encodeURIComponent(mediaToken)}`;
	return { ...surface, sourceLessonId, decks: surface.decks.map((d) => ({ deckId: d.deckId, pageCount: d.pageCount, src: src(d.file) })) };
}
