import { describe, expect, it } from 'vitest';
import { StudentClaims } from './StudentClaims.ts';

const input = { lessonId: 'les_1', classroomId: 'cls_1', studentId: 'stu_1', name: 'Wang Fang' };

describe('StudentClaims', () => {
	it('expires an unanswered claim: its waiting phone wakes, the room is told, the answer is kept a while then dropped', async () => {
		const claims = new StudentClaims({ ttlMs: 80, keepMs: 120 });
		const changes: string[] = [];
		claims.onChange((lessonId, classroomId) => changes.push(`${lessonId}/${classroomId}`));
		const { claim, secret } = claims.open(input)!;
		expect(claims.pending('les_1', 'cls_1')).toEqual([
			{ id: claim.id, classroomId: 'cls_1', studentId: 'stu_1', name: 'Wang Fang', createdAt: claim.createdAt, expiresAt: claim.createdAt + 80 }
		]);
		const started = Date.now();
		await claims.waitForAnswer(claim.id, 5_000);
		expect(Date.now() - started).toBeLessThan(1_000);
		expect(claims.find(claim.id, secret)?.status).toBe('expired');
		expect(claims.pending('les_1', 'cls_1')).toEqual([]);
		expect(changes).toEqual(['les_1/cls_1', 'les_1/cls_1']);
		expect(() => claims.decide(claim.id, 'approved')).toThrow(/expired already/);
		await new Promise((r) => setTimeout(r, 200));
		expect(claims.get(claim.id)).toBeUndefined();
		claims.close();
	});

	it('checks the secret, caps waiting phones per room and per name, and stops waiting when the phone goes', async () => {
		const claims = new StudentClaims({ maxPerRoom: 3, maxPerStudent: 2 });
		const a = claims.open(input)!;
		expect(claims.find(a.claim.id, `${a.secret}x`)).toBeUndefined();
		expect(claims.cancel(a.claim.id, 'nope'.repeat(8))).toBe(false);
		expect(claims.open(input)).not.toBeNull();
		expect(claims.open(input)).toBeNull();
		expect(claims.open({ ...input, studentId: 'stu_2' })).not.toBeNull();
		expect(claims.open({ ...input, studentId: 'stu_3' })).toBeNull();
		expect(claims.open({ ...input, classroomId: 'cls_2', studentId: 'stu_4' })).not.toBeNull();

		const gone = new AbortController();
		const waiting = claims.waitForAnswer(a.claim.id, 60_000, gone.signal);
		gone.abort();
		await waiting;
		expect(claims.cancel(a.claim.id, a.secret)).toBe(true);
		expect(claims.get(a.claim.id)?.status).toBe('cancelled');
		claims.close();
		expect(claims.size).toBe(0);
	});
});
