import { createShapeId, toRichText, type TLRecord } from '@tldraw/tlschema';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoardClientMessageSchema, MAX_BOARD_MESSAGE_BYTES } from '../../protocol/index.ts';
import { BoardTestClient, RawBoardSocket, rawUpgrade, type RawOutcome } from '../testing/boardClient.ts';
import { drawerLesson } from '../testing/drawerLesson.ts';
import { startTestApp, TestClient, waitFor, type TestApp, type TestLesson } from '../../app/testing/harness.ts';
import { MAX_JSON_DEPTH } from './BoardMessageReader.ts';
import { boardSchema, pageIdOf } from './boardSchema.ts';

/**
 * Property-based abuse of the board WebSocket through the real server: generated upgrade targets,
 * tokens, frames and out-of-grant writes. Every case must leave the server up (health check, a
 * fresh board session syncs), get a clear refusal, and leave the room's records as they were.
 */

const sorted = (records: TLRecord[]) => JSON.stringify([...records].sort((a, b) => a.id.localeCompare(b.id)));
const RECORD_TYPES = new Set(Object.keys(boardSchema.types));
/** A property runs for a few seconds on an idle machine; this leaves room for a busy one. */
const PROPERTY_TIMEOUT_MS = 90_000;

describe('board WebSocket under generated abuse', () => {
	let t: TestApp;
	let lesson: TestLesson;
	let teacher: TestClient;
	let watcher: BoardTestClient;
	let student: { id: string; token: string };
	let studentSocket: TestClient;
	let shown: string;
	let other: string;
	/** Records on the other page and in the shown one, for writes that reach for them. */
	let theirs: string;
	let theirGroup: string;
	let mine: string;
	let cases = 0;

	const room = () => t.app.boards.lessonBoard(lesson.lesson.id);
	const snapshot = async () => sorted((await room()).allRecords());

	/** The server still answers, a new board session still syncs, and the board is as it was. */
	const stillServing = async (before: string) => {
		expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
		const probe = await RawBoardSocket.open(t.url, lesson.token('classroom'));
		probe.close();
		expect(await snapshot()).toBe(before);
		cases++;
	};

	beforeAll(async () => {
		t = await startTestApp();
		({ lesson, teacher, student, studentSocket, shown, other } = await drawerLesson(t, 'Wang Fang'));
		watcher = new BoardTestClient(t.url, lesson.token('teacher'));
		await watcher.ready;
		theirs = watcher.createRect(other, 100, 100);
		theirGroup = watcher.createGroup(other, 1).group;
		mine = watcher.createRect(shown, 50, 50);
		await waitFor(async () => (await room()).allRecords().filter((r) => r.typeName === 'shape').length === 4, 5000, 'the fixture shapes on the server');
	});
	afterAll(async () => {
		console.log(`board fuzz: ${cases} generated cases`);
		watcher.close();
		teacher.close();
		studentSocket.close();
		await t.stop();
	});

	it('answers generated malformed board targets and encodings with 400 or 401', async () => {
		const escape = fc.oneof(
			fc.constantFrom('%', '%z', '%zz', '%E0%A4', '%E0%A4%A', '%C0%80', '%00', '%ff', '%FF%FE', '%25', '%%%', '%u0041', '%2F..%2F'),
			fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, '0')}`)
		);
		const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 10 }), escape, fc.constantFrom('&', '=', '?', '#', 't', 'sessionId', '[', ']', '@', '\\'));
		// Raw bytes in the target: UTF-8 of any text, or stray latin1 bytes no URL class would write.
		const encoded = fc.oneof(
			fc.array(text, { maxLength: 8 }).map((parts) => Buffer.from(parts.join(''), 'utf8')),
			fc.uint8Array({ minLength: 1, maxLength: 24 }).map((bytes) => Buffer.from(bytes))
		);
		const prefix = fc.constantFrom('', 'http://[x]', 'http://%zz', 'ws://h', 'http://[::1', 'https://user@[', 'http://a:99999', 'x://');
		await fc.assert(
			fc.asyncProperty(prefix, encoded, async (before, query) => {
				const board = await snapshot();
				const target = Buffer.concat([Buffer.from(`${before}/board?`, 'latin1'), query]);
				const answer = await rawUpgrade(t.url, target);
				expect([400, 401], `${JSON.stringify(target.toString('latin1'))} → ${answer.status}`).toContain(answer.status);
				await stillServing(board);
			}),
			{ numRuns: 80 }
		);
	}, PROPERTY_TIMEOUT_MS);

	it('refuses forged, expired, wrong-kind and alg:none tokens with 401', async () => {
		const claims = fc.record({
			role: fc.constantFrom('teacher', 'classroom', 'assistant', 'student', 'observer', 'staff'),
			sub: fc.string({ minLength: 1, maxLength: 20 })
		});
		const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
		const lessonPayload = (c: { role: string; sub: string }) => ({ kind: 'lesson', lid: lesson.lesson.id, role: c.role, cid: lesson.classroomIds[0], sub: c.sub, iss: 'classbridge', exp: Math.floor(Date.now() / 1000) + 3600 });
		const token = fc.oneof(
			// Signed with a secret that is not the server's.
			fc.tuple(claims, fc.uint8Array({ minLength: 32, maxLength: 64 })).map(async ([c, secret]) => {
				const { exp, iss, ...rest } = lessonPayload(c);
				return new SignJWT(rest).setProtectedHeader({ alg: 'HS256' }).setIssuer(iss).setSubject(c.sub).setExpirationTime(exp).sign(secret);
			}),
			// The server's own secret, expired.
			fc.tuple(claims, fc.integer({ min: 1, max: 365 * 86400 })).map(([c, ago]) =>
				t.app.tokens.signLesson({ lessonId: lesson.lesson.id, role: c.role as 'teacher', classroomId: lesson.classroomIds[0] ?? null, participantId: c.sub, expiresAt: Date.now() - ago * 1000 })
			),
			// The server's own secret, the wrong kind of token.
			fc.constantFrom('admin', 'device', 'media', 'api').map((kind) => {
				const later = Date.now() + 3_600_000;
				if (kind === 'admin') return t.app.tokens.signAdmin('fuzz-generation', later);
				if (kind === 'device') return t.app.tokens.signDevice({ classroomId: lesson.classroomIds[0] ?? '', studentId: student.id, expiresAt: later });
				if (kind === 'media') return t.app.tokens.signMedia({ lessonId: lesson.lesson.id, expiresAt: later });
				return t.app.tokens.signApi('fuzzapi1');
			}),
			// The server's secret, a lesson that does not exist.
			claims.map((c) => t.app.tokens.signLesson({ lessonId: 'nolesson1', role: c.role as 'teacher', classroomId: null, participantId: c.sub, expiresAt: Date.now() + 3_600_000 })),
			// Unsigned: alg none (any spelling), a teacher's claims, with or without a signature part.
			fc.tuple(claims, fc.constantFrom('none', 'None', 'NONE', 'nOnE', ''), fc.constantFrom('', 'x', 'AAAA')).map(async ([c, alg, sig]) => `${b64({ alg, typ: 'JWT' })}.${b64(lessonPayload(c))}.${sig}`),
			// A real header and signature around a tampered payload.
			claims.map(async (c) => {
				const [head, , sig] = lesson.token('observer').split('.');
				return `${head}.${b64({ ...lessonPayload(c), role: 'teacher' })}.${sig}`;
			}),
			// Not a JWT at all.
			fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant('a'.repeat(3000))).map(async (s) => s)
		);
		await fc.assert(
			fc.asyncProperty(token, async (pending) => {
				const board = await snapshot();
				const answer = await rawUpgrade(t.url, `/board?t=${encodeURIComponent(await pending)}&sessionId=fuzzclient1`);
				expect(answer.status).toBe(401);
				expect(['token_missing', 'token_invalid', 'token_expired', 'lesson_not_found']).toContain(answer.refusal);
				await stillServing(board);
			}),
			{ numRuns: 60 }
		);
	}, PROPERTY_TIMEOUT_MS);

	it('refuses generated malformed messages with cb.invalid or a close, changing nothing', async () => {
		const push = (diff: unknown) => JSON.stringify({ type: 'push', clientClock: 1, diff });
		const shapeWith = (fields: Record<string, unknown>) => {
			const id = createShapeId();
			return { [id]: ['put', { ...rect(id, pageIdOf(shown)), ...fields }] };
		};
		const nested = (depth: number, open: string, close: string, leaf = '1') => open.repeat(depth) + leaf + close.repeat(depth);
		const forbiddenKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '\\u005f_proto__', 'constr\\u0075ctor');
		// Values each field can never take: no number for x, no string at all for index or type (a
		// random string may well be a valid index), and so on.
		const dict = fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 });
		const notNumber = fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null), fc.boolean(), dict, fc.constant([]));
		const notString = fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), dict, fc.constant([]));
		const notBoolean = fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null), dict);
		const notProps = fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constant(null), fc.boolean(), fc.constant([]), dict);
		const wrongField = fc.oneof(
			fc.tuple(fc.constantFrom('x', 'y', 'rotation', 'opacity'), notNumber),
			fc.tuple(fc.constantFrom('index', 'type', 'parentId'), notString),
			fc.tuple(fc.constant('isLocked'), notBoolean),
			fc.tuple(fc.constant('props'), notProps)
		);

		type Frames = (string | Uint8Array)[];
		const frames: fc.Arbitrary<Frames> = fc.oneof(
			// Not JSON (and not shaped like a chunk, which would wait for more).
			fc.string({ maxLength: 200 }).filter((s) => !/^\d+_/.test(s) && !parses(s)).map((s) => [s]),
			// Binary frames.
			fc.uint8Array({ maxLength: 2000 }).map((b) => [b]),
			// JSON that is not a board message: wrong types, unknown message types, arrays, scalars.
			fc
				.oneof(
					fc.jsonValue({ maxDepth: 3 }),
					fc.record({ type: fc.oneof(fc.constantFrom('push', 'connect', 'ping', 'pong', 'custom'), fc.string({ maxLength: 10 })), clientClock: fc.anything(), diff: fc.anything(), connectRequestId: fc.anything(), lastServerClock: fc.anything(), protocolVersion: fc.anything(), schema: fc.anything() }, { requiredKeys: ['type'] })
				)
				.map((value) => JSON.stringify(value) ?? 'undefined')
				.filter((text) => !BoardClientMessageSchema.safeParse(safeParse(text)).success)
				.map((text) => [text]),
			// Deeper than the envelope allows, in arrays or objects, in any field.
			fc.tuple(fc.integer({ min: MAX_JSON_DEPTH + 1, max: 200_000 }), fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}'])).map(([depth, [open, close]]) => [push(JSON.parse(`{"shape:x":["patch",{"meta":["put",0]}]}`)).replace('0]', `${nested(depth, open, close)}]`)]),
			// Prototype keys anywhere in a message.
			fc.tuple(forbiddenKey, fc.constantFrom('diff', 'record', 'props', 'top')).map(([key, where]) => {
				const id = createShapeId();
				const record = JSON.stringify(rect(id, pageIdOf(shown)));
				if (where === 'diff') return [`{"type":"push","clientClock":1,"diff":{"${key}":["put",${record}]}}`];
				if (where === 'record') return [`{"type":"push","clientClock":1,"diff":{"${id}":["put",${record.replace('{', `{"${key}":{"polluted":true},`)}]}}`];
				if (where === 'props') return [`{"type":"push","clientClock":1,"diff":{"${id}":["patch",{"props":["patch",{"${key}":["put",{"w":1}]}]}]}}`];
				return [`{"${key}":{"type":"ping"},"type":"ping"}`];
			}),
			// Records of types the board does not have.
			fc.tuple(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !RECORD_TYPES.has(s) && !s.includes(':')), fc.jsonValue({ maxDepth: 2 })).map(([typeName, extra]) => {
				const id = `${typeName}:fuzz`;
				return [push({ [id]: ['put', { id, typeName, extra }] })];
			}),
			// Known records with fields of the wrong type, new or as a patch to an existing shape.
			wrongField.map(([field, value]) => [push(shapeWith({ [field]: value }))]),
			wrongField.map(([field, value]) => [push({ [mine]: ['patch', { [field]: ['put', value] }] })]),
			// A record put under another record's id.
			fc.constant(null).map(() => [push({ [createShapeId()]: ['put', rect(createShapeId(), pageIdOf(shown))] })]),
			// Huge strings: inside the size limit (the room refuses the record), and far past it (the socket closes).
			fc.integer({ min: 200_000, max: 3_000_000 }).map((size) => [push(shapeWith({ meta: { note: 'x'.repeat(size) }, opacity: 'heavy' }))]),
			// tldraw's chunk protocol abused.
			fc.oneof(
				fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 60 })).filter(([n, next]) => next !== n - 1).map(([n, next]) => [`${n}_{"type":`, `${next}_"ping"}`]),
				fc.integer({ min: 1, max: 50 }).map((n) => [`${n}_{"type":`, '{"type":"ping"}']),
				fc.bigInt({ min: BigInt(MAX_BOARD_MESSAGE_BYTES), max: 10n ** 30n }).map((n) => [`${n}_x`]),
				fc.string({ maxLength: 30 }).filter((s) => !parses(`{${s}`)).map((s) => ['1_{', `0_${s}`]),
				fc.integer({ min: 3, max: 6 }).map((n) => Array.from({ length: n }, (_, i) => `${n - 1 - i}_${'y'.repeat(200_000)}`))
			)
		);

		await fc.assert(
			fc.asyncProperty(frames, async (sent) => {
				const board = await snapshot();
				const socket = await RawBoardSocket.open(t.url, lesson.token('teacher'));
				for (const frame of sent) socket.send(frame);
				const outcome = await socket.outcome(5000);
				socket.close();
				expect(isRefusal(outcome), `${describeFrames(sent)} → ${JSON.stringify(outcome)}`).toBe(true);
				await stillServing(board);
			}),
			{ numRuns: 200 }
		);
	}, PROPERTY_TIMEOUT_MS);

	it("refuses a granted student's generated writes beyond the shown page, changing nothing", async () => {
		const geometry = fc.record({ x: fc.integer({ min: -5000, max: 5000 }), y: fc.integer({ min: -5000, max: 5000 }) });
		const op = fc.oneof(
			// A new shape anywhere but the shown page: another page, the other page's group, a page or shape that is not there, itself.
			fc.tuple(fc.constantFrom('other', 'group', 'nopage', 'noshape', 'self'), geometry).map(([where, { x, y }]) => {
				const id = createShapeId();
				const parent = { other: pageIdOf(other), group: theirGroup, nopage: pageIdOf('b_nothere'), noshape: createShapeId(), self: id }[where];
				return { [id]: ['put', { ...rect(id, parent), x, y }] };
			}),
			// Someone else's shape on the other page: moved, deleted. (Writes that change nothing are no
			// writes: every generated one changes something.)
			geometry.filter(({ x }) => x !== 100).map(({ x }) => ({ [theirs]: ['patch', { x: ['put', x] }] })),
			fc.constant({ [theirs]: ['remove'] }),
			fc.constant({ [theirGroup]: ['remove'] }),
			// A shape on the shown page moved off it.
			fc.constantFrom(pageIdOf(other), theirGroup, pageIdOf('b_nothere')).map((parent) => ({ [mine]: ['patch', { parentId: ['put', parent] }] })),
			// Pages and the document.
			fc.string({ maxLength: 30 }).filter((name) => name !== 'Board 2').map((name) => ({ [pageIdOf(other)]: ['patch', { name: ['put', name] }] })),
			fc.constantFrom(pageIdOf(shown), pageIdOf(other)).map((page) => ({ [page]: ['remove'] })),
			fc.string({ minLength: 1, maxLength: 30 }).map((name) => ({ 'document:document': ['patch', { name: ['put', name] }] })),
			fc.string({ minLength: 1, maxLength: 12 }).map((suffix) => ({ [`page:fuzz${suffix.replace(/\W/g, '')}`]: ['put', { id: `page:fuzz${suffix.replace(/\W/g, '')}`, typeName: 'page', name: suffix, index: 'a9', meta: {} }] })),
			// Assets, and bindings reaching off the page.
			fc.webUrl().map((src) => ({ 'asset:fuzz': ['put', { id: 'asset:fuzz', typeName: 'asset', type: 'image', props: { name: 'x.png', src, w: 10, h: 10, mimeType: 'image/png', isAnimated: false }, meta: {} }] })),
			fc.constantFrom<[string, string]>(['mine', 'theirs'], ['theirs', 'mine'], ['theirs', 'group']).map(([from, to]) => {
				const ids = { mine, theirs, group: theirGroup };
				return { 'binding:fuzz': ['put', { id: 'binding:fuzz', typeName: 'binding', type: 'arrow', fromId: ids[from as 'mine'], toId: ids[to as 'mine'], props: { terminal: 'end', normalizedAnchor: { x: 0.5, y: 0.5 }, isExact: false, isPrecise: false, snap: 'none' }, meta: {} }] };
			})
		);
		await fc.assert(
			fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 4 }), async (ops) => {
				const board = await snapshot();
				const socket = await RawBoardSocket.open(t.url, student.token);
				const diff = Object.assign({}, ...ops) as Record<string, unknown>;
				socket.send(JSON.stringify({ type: 'push', clientClock: 1, diff }));
				const answered = () => socket.events.find((e) => e.type === 'push_result');
				const told = () => socket.events.find((e) => e.type === 'custom' && (e.data as { type?: string }).type === 'cb.refused');
				await waitFor(() => (answered() && told()) || socket.closed || undefined, 5000, 'the push answered and refused');
				expect(socket.closed, JSON.stringify(diff).slice(0, 300)).toBe(null);
				expect(answered()?.action, JSON.stringify(socket.events)).toBe('discard');
				expect(told()?.data).toEqual({ type: 'cb.refused', reason: 'shown_board_only' });
				socket.close();
				await stillServing(board);
			}),
			{ numRuns: 60 }
		);
	}, PROPERTY_TIMEOUT_MS);

	it('still syncs real edits afterwards; the watching session was never dropped', async () => {
		expect(watcher.connects).toBe(1);
		const drawer = new BoardTestClient(t.url, student.token);
		try {
			await drawer.ready;
			const drawn = drawer.createRect(shown, 10, 10);
			await waitFor(() => watcher.record(drawn), 5000, "the student's shape at the teacher");
		} finally {
			drawer.close();
		}
	});
});

function rect(id: string, parentId: string): Record<string, unknown> {
	return {
		id,
		typeName: 'shape',
		type: 'geo',
		parentId,
		index: 'a1',
		x: 0,
		y: 0,
		rotation: 0,
		isLocked: false,
		opacity: 1,
		meta: {},
		props: { geo: 'rectangle', dash: 'draw', url: '', w: 100, h: 100, growY: 0, scale: 1, flipX: false, flipY: false, labelColor: 'black', color: 'red', fill: 'none', size: 'm', font: 'draw', align: 'middle', verticalAlign: 'middle', richText: toRichText('') }
	};
}

function parses(text: string): boolean {
	return safeParse(text) !== undefined;
}

function safeParse(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** A refusal the sender can read: our cb.invalid, a close by the room (4099) or by the socket (1009 too big). */
function isRefusal(outcome: RawOutcome): boolean {
	if (outcome.kind === 'invalid') return outcome.message.length > 0;
	if (outcome.kind === 'closed') return outcome.code === 4099 || outcome.code === 1009;
	return false;
}

function describeFrames(frames: (string | Uint8Array)[]): string {
	return JSON.stringify(frames.map((f) => (typeof f === 'string' ? (f.length > 120 ? `${f.slice(0, 120)}…(${f.length})` : f) : `<${f.length} bytes>`)));
}
