import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, PROTOCOL_VERSION, RoleSchema, type RequestName, type Role } from './protocol/index.ts';
import { createLesson, startTestApp, TestClient, type TestApp, type TestLesson } from './testing/harness.ts';
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
	}
}

describe('role matrix: every request × every role, checked on the server', () => {
	let t: TestApp;
	let lesson: TestLesson;
	beforeAll(async () => {
		t = await startTestApp();
		lesson = await createLesson(t, 2);
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
});
