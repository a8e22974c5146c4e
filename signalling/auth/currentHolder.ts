import { TokenError, type LessonGrant } from './TokenService.ts';

/** Who can tell whether a student's link is the latest one handed out for that name. */
export interface HolderRecords {
	holdsNow(studentId: string, holder: string | undefined): boolean;
}

/** A student's link from before another phone was given the name is refused (socket and board alike). */
export function assertCurrentHolder(records: HolderRecords, grant: LessonGrant): void {
	if (grant.role === 'student' && !records.holdsNow(grant.participantId, grant.holder)) {
		throw new TokenError('session_replaced', 'this name was opened on another phone');
	}
}
