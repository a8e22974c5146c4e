import type { PollSpec, PublicPollResults } from '../../protocol/index.ts';
import type { StoredPoll } from './LessonStore.ts';

/**
 * How RedisLessonStore keeps a poll: one hash per poll (the spec and the fields that change, each
 * its own field, so scripts never re-encode JSON), one hash of answers (voter → answer JSON) and one
 * of tallies (classroom → tally JSON). Every transition is one Lua script, so a close and a late
 * answer racing on two nodes cannot both win.
 */

/** Lua gets a missing field as false and an unset one as ''. */
const UNSET = `local function unset(v) return (not v) or v == '' end`;

export const POLL_SCRIPTS = {
	/** KEYS: poll, list. ARGV: id, fields (JSON object of strings). */
	saveDraft: `
		local status = redis.call('HGET', KEYS[1], 'status')
		if status and status ~= 'draft' then return 0 end
		if not status then redis.call('RPUSH', KEYS[2], ARGV[1]) end
		redis.call('DEL', KEYS[1])
		for k, v in pairs(cjson.decode(ARGV[2])) do redis.call('HSET', KEYS[1], k, v) end
		return 1`,
	/** KEYS: poll, list, answers, tallies. ARGV: id. */
	deleteDraft: `
		if redis.call('HGET', KEYS[1], 'status') ~= 'draft' then return 0 end
		redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
		redis.call('LREM', KEYS[2], 0, ARGV[1])
		return 1`,
	/** KEYS: state, poll. ARGV: id, openedAt, closesAt, anonKey. */
	open: `${UNSET}
		local status = redis.call('HGET', KEYS[2], 'status')
		if not status then return 'not_found' end
		if status ~= 'draft' then return 'not_draft' end
		if not unset(redis.call('HGET', KEYS[1], 'openPoll')) then return 'busy' end
		redis.call('HSET', KEYS[2], 'status', 'open', 'openedAt', ARGV[2], 'closesAt', ARGV[3], 'anonKey', ARGV[4])
		redis.call('HSET', KEYS[1], 'openPoll', ARGV[1], 'currentPoll', ARGV[1])
		return 'opened'`,
	/** KEYS: state, poll. ARGV: id, closedAt, by. */
	close: `
		if redis.call('HGET', KEYS[2], 'status') ~= 'open' then return 0 end
		redis.call('HSET', KEYS[2], 'status', 'closed', 'closedAt', ARGV[2], 'closedBy', ARGV[3])
		redis.call('HDEL', KEYS[2], 'anonKey')
		if redis.call('HGET', KEYS[1], 'openPoll') == ARGV[1] then redis.call('HSET', KEYS[1], 'openPoll', '') end
		return 1`,
	/** KEYS: poll. ARGV: revealedAt, results JSON. */
	reveal: `${UNSET}
		local f = redis.call('HMGET', KEYS[1], 'status', 'revealedAt')
		if f[1] ~= 'closed' or not unset(f[2]) then return 0 end
		redis.call('HSET', KEYS[1], 'revealedAt', ARGV[1], 'results', ARGV[2])
		return 1`,
	/** KEYS: state. ARGV: id. */
	dismiss: `
		local f = redis.call('HMGET', KEYS[1], 'currentPoll', 'openPoll')
		if f[1] ~= ARGV[1] or f[2] == ARGV[1] then return 0 end
		redis.call('HSET', KEYS[1], 'currentPoll', '')
		return 1`,
	/** KEYS: poll, answers. ARGV: voter, answer JSON, now. */
	answer: `${UNSET}
		local f = redis.call('HMGET', KEYS[1], 'status', 'closesAt', 'allowChange')
		if (not f[1]) or f[1] == 'draft' then return 'not_found' end
		if f[1] ~= 'open' then return 'closed' end
		if not unset(f[2]) and tonumber(ARGV[3]) >= tonumber(f[2]) then return 'closed' end
		local previous = redis.call('HGET', KEYS[2], ARGV[1])
		if previous == ARGV[2] then return 'same' end
		if previous and f[3] ~= '1' then return 'locked' end
		redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
		if previous then return 'changed' end
		return 'new'`,
	/** KEYS: poll, tallies. ARGV: classroomId, tally JSON. */
	tally: `${UNSET}
		local f = redis.call('HMGET', KEYS[1], 'status', 'revealedAt')
		if (not f[1]) or f[1] == 'draft' or not unset(f[2]) then return 0 end
		redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
		return 1`
} as const;

const num = (value: number | null) => (value === null ? '' : String(value));
const numOrNull = (value: string | undefined) => (value ? Number(value) : null);

/** The hash of a draft: the parts that never change after opening, plus the status. */
export function pollToHash(poll: StoredPoll): Record<string, string> {
	return {
		id: poll.id,
		spec: JSON.stringify(poll.spec),
		allowChange: poll.spec.allowChange ? '1' : '0',
		prepared: poll.prepared ? '1' : '0',
		createdAt: String(poll.createdAt),
		status: poll.status,
		openedAt: num(poll.openedAt),
		closesAt: num(poll.closesAt),
		closedAt: num(poll.closedAt),
		closedBy: poll.closedBy ?? '',
		revealedAt: num(poll.revealedAt)
	};
}

export function pollFromHash(hash: Record<string, string>): StoredPoll | null {
	if (!hash.id || !hash.spec || !hash.status) return null;
	return {
		id: hash.id,
		spec: JSON.parse(hash.spec) as PollSpec,
		status: hash.status as StoredPoll['status'],
		prepared: hash.prepared === '1',
		createdAt: Number(hash.createdAt),
		openedAt: numOrNull(hash.openedAt),
		closesAt: numOrNull(hash.closesAt),
		closedAt: numOrNull(hash.closedAt),
		closedBy: (hash.closedBy || null) as StoredPoll['closedBy'],
		revealedAt: numOrNull(hash.revealedAt),
		anonKey: hash.anonKey || null,
		results: hash.results ? (JSON.parse(hash.results) as PublicPollResults) : null
	};
}
