import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, PROTOCOL_VERSION, RoleSchema, type RequestName, type Role } from '../protocol/index.ts';
import { createLesson, startTestApp, TestClient, type TestApp, type TestLesson } from '../app/testing/harness.ts';
import { opusParameters } from './testing/fakeMedia.ts';

/** A well-formed payload for every request, so that only the role decides `forbidden`. */
function examplePayload(name: RequestName, classroomId: string): unknown {
	const id = randomUUID();
	switch (name) {
		case 'lesson.join':
			return { protocol: PROTOCOL_VERSION };
		case 'media.createTransport':
			return { direction: 'recv' };
		case 'media.connectTransport':
			return { transportId: id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] } };
		case 'media.restartIce':
			return { transportId: id };
		case 'media.ready':
			return { rtpCapabilities: { codecs: [], headerExtensions: [] } };
		case 'media.produce':
			return { transportId: id, kind: 'audio', source: 'mic', rtpParameters: opusParameters() };
		case 'media.closeProducer':
		case 'media.pauseProducer':
			return { producerId: id, paused: true };
		case 'media.resumeConsumer':
			return { consumerId: id };
		case 'media.setPreferredLayers':
			return { consumerId: id, spatialLayer: 0 };
		case 'media.setAudioOnly':
			return { classroomId, audioOnly: false };
		case 'stage.set':
			return { classroomId: null };
		case 'hand.raise':
			return {};
		case 'hand.lower':
			return {};
		case 'chat.send':
			return { text: 'hello' };
		case 'chat.setMuted':
			return { muted: false };
		case 'lesson.setStudentChat':
			return { mode: 'chat' };
		case 'poll.prepare':
			return { spec: { kind: 'truefalse', question: 'Is 1/2 more than 1/3?' } };
		case 'poll.open':
			return { spec: { kind: 'single', question: 'Which is larger?', options: ['1/2', '1/3'] } };
		case 'poll.discard':
		case 'poll.close':
		case 'poll.reveal':
		case 'poll.dismiss':
			return { pollId: 'pol_missing' };
		case 'poll.answer':
			return { pollId: 'pol_missing', answer: { kind: 'single', option: 0 } };
		case 'poll.tally':
			return { pollId: 'pol_missing', classroomId, counts: [1, 2] };
		case 'poll.state':
			return {};
		case 'replay.control':
			return { action: 'pause' };
		case 'classList.get':
			return { classroomId };
		case 'classList.add':
			return { classroomId, names: ['Li Wei'] };
		case 'classList.rename':
			return { studentId: 'stu_missing', name: 'Li Wei' };
		case 'classList.accept':
			return { studentId: 'stu_missing' };
		case 'classList.merge':
			return { fromId: 'stu_missing', intoId: 'stu_missing2' };
		case 'classList.remove':
			return { studentIds: ['stu_missing'] };
		case 'classList.approveClaim':
		case 'classList.denyClaim':
			return { claimId: 'clm_missing' };
		default:
			return {};
	}
}

describe('role matrix: every request × every role, checked on the server', () => {
	let t: TestApp;
	let lesson: TestLesson;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
		// Students may write only when the teacher allows it; open it so that only the role decides.
		await t.app.store.setStudentChat(lesson.lesson.id, 'chat');
	});
	afterAll(() => t.stop());

	const tokenFor = async (role: Role) => {
		const classroomId = role === 'assistant' || role === 'classroom' || role === 'student' ? (lesson.classroomIds[0] ?? null) : null;
		return t.app.tokens.signLesson({ lessonId: lesson.lesson.id, role, classroomId, participantId: `${role}-matrix`, expiresAt: Date.now() + 600_000 });
	};

	for (const role of RoleSchema.options) {
		it(`${role}: allowed requests pass the role check, the rest are forbidden`, async () => {
			const client = new TestClient(t.url, await tokenFor(role));
			await client.connected();
			const classroomId = lesson.classroomIds[0] ?? '';
			const outcomes: Record<string, string> = {};
			for (const name of Object.keys(PERMISSIONS) as RequestName[]) {
				// Ending the lesson would end it for every later role: recording.test.ts checks it for the teacher.
				if (name === 'lesson.end' && PERMISSIONS[name].includes(role)) {
					outcomes[name] = 'skipped';
					continue;
				}
				const ack = await client.raw(name, examplePayload(name, classroomId));
				outcomes[name] = ack.ok ? 'ok' : ack.error.code;
			}
			for (const name of Object.keys(PERMISSIONS) as RequestName[]) {
				const allowed = PERMISSIONS[name].includes(role);
				if (allowed) expect(outcomes[name], `${role} ${name}`).not.toBe('forbidden');
				else expect(outcomes[name], `${role} ${name}`).toBe('forbidden');
			}
			client.close();
		});
	}

	it('spells out the key rules (not only the table): only the teacher stages, mutes chat; students publish nothing', () => {
		expect(PERMISSIONS['stage.set']).toEqual(['teacher']);
		expect(PERMISSIONS['chat.setMuted']).toEqual(['teacher']);
		expect(PERMISSIONS['media.produce']).not.toContain('student');
		expect(PERMISSIONS['media.produce']).not.toContain('observer');
		expect(PERMISSIONS['chat.send']).not.toContain('observer');
		expect(PERMISSIONS['lesson.join']).not.toContain('staff');
	});

	it('spells out the poll rules: the teacher runs polls (assistants only in a recorded lesson taught in class), only students answer, assistants tally', () => {
		for (const name of ['poll.prepare', 'poll.discard', 'lesson.setStudentChat'] as const) {
			expect(PERMISSIONS[name], name).toEqual(['teacher']);
		}
		for (const name of ['poll.open', 'poll.close', 'poll.reveal', 'poll.dismiss'] as const) {
			expect(PERMISSIONS[name], name).toEqual(['teacher', 'assistant']);
		}
		expect(PERMISSIONS['replay.control']).toEqual(['assistant']);
		expect(PERMISSIONS['poll.answer']).toEqual(['student']);
		expect(PERMISSIONS['poll.tally']).toEqual(['teacher', 'assistant']);
		expect(PERMISSIONS['classList.merge']).toEqual(['teacher', 'assistant']);
	});

	it('spells out the recording rules: only the teacher records and ends the lesson', () => {
		for (const name of ['recording.start', 'recording.stop', 'lesson.end'] as const) expect(PERMISSIONS[name], name).toEqual(['teacher']);
	});
});
