import type { LessonSession } from '../lesson/LessonSession.ts';
import type { Peer } from '../lesson/Peer.ts';
import type { ParsedRequest, RequestName, Responses } from '../../protocol/index.ts';

export interface HandlerContext {
	session: LessonSession;
	peer: Peer;
}

/** A request handler: payload already validated and the role already allowed by PERMISSIONS. */
export type Handler<N extends RequestName> = (ctx: HandlerContext, payload: ParsedRequest<N>) => Promise<Responses[N]>;
