import { forbidden, invalid } from '../../core/errors.ts';
import { PERMISSIONS, Requests, type ParsedRequest, type RequestName, type Role } from '../../protocol/index.ts';

/**
 * The first two steps of every request: the sender's role must be allowed (PERMISSIONS), then the
 * payload must match its schema. No payload at all reads as an empty one; anything else (null
 * included) must match. Throws `forbidden` or `invalid`; returns the parsed payload.
 */
export function admitRequest<N extends RequestName>(name: N, role: Role, payload: unknown): ParsedRequest<N> {
	if (!PERMISSIONS[name].includes(role)) throw forbidden(`a ${role} may not ${name}`);
	const parsed = Requests[name].safeParse(payload === undefined ? {} : payload);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw invalid(`${name}: ${issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'invalid payload'}`);
	}
	return parsed.data as ParsedRequest<N>;
}
