import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService, type LessonGrant } from '../auth/TokenService.ts';
import { DECKS_API, MAX_DECK_PAGES, type DeckInfo, type Role } from '../../protocol/index.ts';
import { encrypted, garbled, makeDeck, notPdf, oversized, ownerOnlyEncrypted, truncated, withJavaScript, type PdfBytes } from '../testing/pdfFixtures.ts';
import { freePort } from '../../core/testing/ports.ts';
import { DeckHttp } from './DeckHttp.ts';
import { DeckStore } from './DeckStore.ts';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const tokens = new TokenService(randomBytes(32));

interface DeckServer {
	url: string;
	dataDir: string;
	uploaded: { lessonId: string; deck: DeckInfo; grant: LessonGrant }[];
	stop(): Promise<void>;
}

async function startDeckServer(options: { maxBytes?: number; parseTimeoutMs?: number } = {}): Promise<DeckServer> {
	const dataDir = await mkdtemp(path.join(tmpdir(), 'cb-decks-'));
	const decks = await DeckStore.open(dataDir);
	const uploaded: DeckServer['uploaded'] = [];
	const http = new DeckHttp({
		decks,
		tokens,
		maxBytes: options.maxBytes ?? 20 * 1024 * 1024,
		parseTimeoutMs: options.parseTimeoutMs ?? 30_000,
		onUploaded: (lessonId, deck, grant) => void uploaded.push({ lessonId, deck, grant })
	});
	const server: Server = createServer((req, res) => {
		void http.handle(req, res).then((handled) => {
			if (handled) return;
			res.writeHead(404, { 'content-type': 'text/plain' });
			res.end('not a slide route');
		});
	});
	const port = await freePort();
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${port}`,
		dataDir,
		uploaded,
		async stop() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

function token(lessonId: string, role: Role = 'teacher'): Promise<string> {
	const classroomId = role === 'teacher' || role === 'observer' || role === 'staff' ? null : 'room-1';
	return tokens.signLesson({ lessonId, role, classroomId, participantId: `${role}-${lessonId}`, expiresAt: Date.now() + 3_600_000 });
}

async function upload(s: DeckServer, bytes: PdfBytes, auth: string | null, name = 'Week 3 fractions.pdf') {
	const res = await fetch(`${s.url}${DECKS_API}?name=${encodeURIComponent(name)}`, {
		method: 'POST',
		headers: auth ? { authorization: `Bearer ${auth}`, 'content-type': 'application/pdf' } : { 'content-type': 'application/pdf' },
		body: bytes
	});
	return { status: res.status, json: (await res.json()) as DeckInfo & { error: { code: string; message: string } } };
}

async function list(s: DeckServer, auth: string): Promise<DeckInfo[]> {
	const res = await fetch(`${s.url}${DECKS_API}`, { headers: { authorization: `Bearer ${auth}` } });
	expect(res.status).toBe(200);
	return (await res.json()) as DeckInfo[];
}

async function entries(dir: string): Promise<string[]> {
	return readdir(dir).catch(() => []);
}

/** A refused upload leaves no deck folder behind, no staging leftovers, and an unchanged list. */
async function expectNothingStored(s: DeckServer, lessonId: string): Promise<void> {
	expect(await entries(path.join(s.dataDir, 'decks', lessonId))).toEqual([]);
	expect(await entries(path.join(s.dataDir, 'decks', '.staging'))).toEqual([]);
	expect(await list(s, await token(lessonId))).toEqual([]);
	expect(s.uploaded.filter((u) => u.lessonId === lessonId)).toEqual([]);
}

/** Raw HTTP, for paths fetch would normalise and for bodies sent without a Content-Length. */
function rawRequest(s: DeckServer, method: string, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
	return new Promise((resolve, reject) => {
		const url = new URL(s.url);
		const req = request({ host: url.hostname, port: url.port, method, path: rawPath, headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
		});
		req.on('error', reject);
		req.end();
	});
}

describe('deck uploads', () => {
	let s: DeckServer;
	let teacher: string;
	let deck: DeckInfo;
	let source: PdfBytes;

	beforeAll(async () => {
		s = await startDeckServer();
		teacher = await token('lesson-a');
		source = await makeDeck(['Page 1: hello', 'Page 2: fractions', 'Page 3: practice']);
		const res = await upload(s, source, teacher, 'C:\\fakepath\\Week 3: fractions.PDF');
		expect(res.status).toBe(201);
		deck = res.json;
	});
	afterAll(() => s.stop());

	it('stores a good deck and answers 201 with its pages', async () => {
		expect(deck).toMatchObject({ title: 'Week 3: fractions', fileName: 'Week 3: fractions.PDF', pageCount: 3, bytes: source.length, scriptsIgnored: false });
		expect(deck.id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
		expect(deck.pages).toEqual([
			{ width: 960, height: 540 },
			{ width: 960, height: 540 },
			{ width: 960, height: 540 }
		]);
		const dir = path.join(s.dataDir, 'decks', 'lesson-a', deck.id);
		expect((await readdir(dir)).sort()).toEqual(['deck.json', 'source.pdf', 'thumbs']);
		expect((await readdir(path.join(dir, 'thumbs'))).sort()).toEqual(['1.png', '2.png', '3.png']);
		expect(JSON.parse(await readFile(path.join(dir, 'deck.json'), 'utf8'))).toEqual(deck);
		expect((await readFile(path.join(dir, 'source.pdf'))).equals(source)).toBe(true);
		expect(s.uploaded).toHaveLength(1);
		expect(s.uploaded[0]).toMatchObject({ lessonId: 'lesson-a', deck, grant: { role: 'teacher', lessonId: 'lesson-a' } });
	});

	it('lists the lesson decks oldest first, to every role of the lesson, and keeps them on disk', async () => {
		const second = await upload(s, await makeDeck(['Only page']), teacher, 'second.pdf');
		expect(second.status).toBe(201);
		for (const role of ['teacher', 'student', 'classroom', 'assistant', 'observer'] as const) {
			expect((await list(s, await token('lesson-a', role))).map((d) => d.id)).toEqual([deck.id, second.json.id]);
		}
		const reopened = await DeckStore.open(s.dataDir);
		expect(await reopened.list('lesson-a')).toEqual([deck, second.json]);
		expect(await list(s, await token('lesson-b'))).toEqual([]);
	});

	it('serves PNG thumbnails 240 px wide, one per page, each different', async () => {
		const student = await token('lesson-a', 'student');
		const thumbs: Buffer[] = [];
		for (const page of [1, 2]) {
			const res = await fetch(`${s.url}${DECKS_API}/${deck.id}/thumbs/${page}?t=${student}`);
			expect(res.status).toBe(200);
			expect(res.headers.get('content-type')).toBe('image/png');
			expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
			const png = Buffer.from(await res.arrayBuffer());
			expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
			expect(png.readUInt32BE(16)).toBe(240);
			expect(png.readUInt32BE(20)).toBe(135);
			thumbs.push(png);
		}
		expect(thumbs[0]?.equals(thumbs[1] ?? Buffer.alloc(0))).toBe(false);
		expect((await fetch(`${s.url}${DECKS_API}/${deck.id}/thumbs/4?t=${student}`)).status).toBe(404);
		expect((await fetch(`${s.url}${DECKS_API}/${deck.id}/thumbs/0?t=${student}`)).status).toBe(404);
	});

	it('serves the file with immutable private caching, ETag → 304, and byte ranges', async () => {
		const fileUrl = `${s.url}${DECKS_API}/${deck.id}/file`;
		const auth = { authorization: `Bearer ${await token('lesson-a', 'classroom')}` };
		const full = await fetch(fileUrl, { headers: auth });
		expect(full.status).toBe(200);
		expect(full.headers.get('content-type')).toBe('application/pdf');
		expect(full.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
		expect(full.headers.get('accept-ranges')).toBe('bytes');
		expect(Number(full.headers.get('content-length'))).toBe(source.length);
		expect(Buffer.from(await full.arrayBuffer()).equals(source)).toBe(true);
		const etag = full.headers.get('etag') ?? '';
		expect(etag).toMatch(/^".+"$/);

		const cached = await fetch(fileUrl, { headers: { ...auth, 'if-none-match': etag } });
		expect(cached.status).toBe(304);
		expect(cached.headers.get('etag')).toBe(etag);
		expect((await fetch(fileUrl, { headers: { ...auth, 'if-none-match': '"other"' } })).status).toBe(200);

		const part = await fetch(fileUrl, { headers: { ...auth, range: 'bytes=100-299' } });
		expect(part.status).toBe(206);
		expect(part.headers.get('content-range')).toBe(`bytes 100-299/${source.length}`);
		expect(Buffer.from(await part.arrayBuffer()).equals((source.subarray(100, 300)))).toBe(true);

		const suffix = await fetch(fileUrl, { headers: { ...auth, range: 'bytes=-50' } });
		expect(suffix.status).toBe(206);
		expect(Buffer.from(await suffix.arrayBuffer()).equals((source.subarray(source.length - 50)))).toBe(true);

		const open = await fetch(fileUrl, { headers: { ...auth, range: `bytes=${source.length - 10}-` } });
		expect(open.status).toBe(206);
		expect(Buffer.from(await open.arrayBuffer()).equals((source.subarray(source.length - 10)))).toBe(true);

		const past = await fetch(fileUrl, { headers: { ...auth, range: `bytes=${source.length}-` } });
		expect(past.status).toBe(416);
		expect(past.headers.get('content-range')).toBe(`bytes */${source.length}`);

		const stale = await fetch(fileUrl, { headers: { ...auth, range: 'bytes=0-9', 'if-range': '"old"' } });
		expect(stale.status).toBe(200);
		expect(Number(stale.headers.get('content-length'))).toBe(source.length);
		await stale.arrayBuffer();
	});

	it('applies page rotation to the page sizes and names a nameless upload "slides"', async () => {
		const res = await fetch(`${s.url}${DECKS_API}`, { method: 'POST', headers: { authorization: `Bearer ${teacher}` }, body: await makeDeck(['Portrait'], { rotate: 90 }) });
		expect(res.status).toBe(201);
		const rotated = (await res.json()) as DeckInfo;
		expect(rotated).toMatchObject({ title: 'slides', fileName: 'slides.pdf', pages: [{ width: 540, height: 960 }] });
	});

	it('accepts a deck with JavaScript (document or page action) and flags scriptsIgnored', async () => {
		for (const where of ['document', 'page'] as const) {
			const res = await upload(s, await withJavaScript(where), teacher, 'scripted.pdf');
			expect(res.status, where).toBe(201);
			expect(res.json, where).toMatchObject({ title: 'scripted', pageCount: 2, scriptsIgnored: true });
		}
	});

	it('lets only the teacher upload', async () => {
		const bytes = await makeDeck(['Page 1']);
		for (const role of ['student', 'assistant', 'classroom', 'observer', 'staff'] as const) {
			const res = await upload(s, bytes, await token('lesson-r', role));
			expect(res.status, role).toBe(403);
			expect(res.json.error.code).toBe('forbidden');
		}
		await expectNothingStored(s, 'lesson-r');
	});

	it('needs a valid token for every route', async () => {
		const res = await upload(s, await makeDeck(['Page 1']), null);
		expect(res.status).toBe(401);
		expect(res.json.error.code).toBe('unauthorized');
		expect((await upload(s, await makeDeck(['Page 1']), 'not-a-token')).status).toBe(401);
		expect((await fetch(`${s.url}${DECKS_API}`)).status).toBe(401);
		expect((await fetch(`${s.url}${DECKS_API}/${deck.id}/file`)).status).toBe(401);
		expect((await fetch(`${s.url}${DECKS_API}/${deck.id}/thumbs/1`)).status).toBe(401);
		const expired = await tokens.signLesson({ lessonId: 'lesson-a', role: 'teacher', classroomId: null, participantId: 't', expiresAt: Date.now() - 60_000 });
		expect((await fetch(`${s.url}${DECKS_API}?t=${expired}`)).status).toBe(401);
	});

	it("hides a deck from another lesson's token (404)", async () => {
		const other = await token('lesson-b');
		const file = await fetch(`${s.url}${DECKS_API}/${deck.id}/file?t=${other}`);
		expect(file.status).toBe(404);
		expect(((await file.json()) as { error: { code: string } }).error.code).toBe('not_found');
		expect((await fetch(`${s.url}${DECKS_API}/${deck.id}/thumbs/1?t=${other}`)).status).toBe(404);
		expect((await fetch(`${s.url}${DECKS_API}/nosuchdeck/file?t=${teacher}`)).status).toBe(404);
	});

	it('leaves other paths to the next handler and refuses unknown deck routes', async () => {
		expect(await (await fetch(`${s.url}/api/lessons`)).text()).toBe('not a slide route');
		expect(await (await fetch(`${s.url}/pdfjs/other/x.js`)).text()).toBe('not a slide route');
		expect((await fetch(`${s.url}${DECKS_API}/${deck.id}?t=${teacher}`)).status).toBe(404);
		expect((await fetch(`${s.url}${DECKS_API}/${deck.id}/file?t=${teacher}`, { method: 'DELETE' })).status).toBe(404);
	});
});

describe('refused uploads store nothing', () => {
	let s: DeckServer;
	let teacher: string;
	const lessonId = 'lesson-refused';

	beforeAll(async () => {
		s = await startDeckServer();
		teacher = await token(lessonId);
	});
	afterAll(() => s.stop());

	const cases: [string, () => Promise<PdfBytes> | PdfBytes, number, string, RegExp][] = [
		['a password-protected PDF', () => encrypted(), 422, 'encrypted', /remove the password protection and upload again/],
		['an owner-password-only PDF', () => ownerOnlyEncrypted(), 422, 'encrypted', /remove the password protection/],
		['a truncated PDF', () => truncated(), 422, 'corrupt', /cut off/],
		['a PDF with nothing readable inside', () => garbled(), 422, 'corrupt', /could not be read/],
		['a PNG renamed .pdf', () => notPdf(), 415, 'not_pdf', /not a PDF/],
		['an empty file', () => Buffer.alloc(0), 415, 'not_pdf', /empty/],
		[`a deck of ${MAX_DECK_PAGES + 1} pages`, () => makeDeck(Array.from({ length: MAX_DECK_PAGES + 1 }, (_, i) => `P${i + 1}`)), 422, 'too_many_pages', /at most 500/]
	];
	for (const [what, make, status, code, message] of cases) {
		it(`refuses ${what} with ${status} ${code}`, async () => {
			const res = await upload(s, await make(), teacher);
			expect(res.status).toBe(status);
			expect(res.json.error.code).toBe(code);
			expect(res.json.error.message).toMatch(message);
			await expectNothingStored(s, lessonId);
		});
	}
});

describe('limits', () => {
	let small: DeckServer;
	let slow: DeckServer;
	let teacher: string;
	const lessonId = 'lesson-limits';

	beforeAll(async () => {
		small = await startDeckServer({ maxBytes: 64 * 1024 });
		slow = await startDeckServer({ parseTimeoutMs: 20 });
		teacher = await token(lessonId);
	});
	afterAll(async () => {
		await small.stop();
		await slow.stop();
	});

	it('refuses a body whose Content-Length is over the limit (413 too_large)', async () => {
		const res = await upload(small, await oversized(100 * 1024), teacher);
		expect(res.status).toBe(413);
		expect(res.json.error).toMatchObject({ code: 'too_large', message: expect.stringMatching(/64 KB/) });
		await expectNothingStored(small, lessonId);
	});

	it('stops reading a streamed body as soon as it passes the limit', async () => {
		const url = new URL(small.url);
		const chunk = Buffer.alloc(16 * 1024, 0x25);
		let sent = 0;
		const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
			const req = request(
				{ host: url.hostname, port: url.port, method: 'POST', path: `${DECKS_API}?name=big.pdf`, headers: { authorization: `Bearer ${teacher}`, 'transfer-encoding': 'chunked' } },
				(res) => {
					let body = '';
					res.on('data', (c: Buffer) => (body += c.toString()));
					res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
				}
			);
			req.on('error', reject);
			let answered = false;
			req.on('response', () => (answered = true));
			const pump = () => {
				// Keeps sending (up to 8 MiB) until the answer comes, like a browser uploading a big file.
				if (answered || sent > 8 * 1024 * 1024) return void req.end();
				sent += chunk.length;
				if (req.write(chunk)) setImmediate(pump);
				else req.once('drain', pump);
			};
			pump();
		});
		expect(answer.status).toBe(413);
		expect(JSON.parse(answer.body).error.code).toBe('too_large');
		expect(sent).toBeLessThan(8 * 1024 * 1024);
		await expectNothingStored(small, lessonId);
	});
	it('gives up on a PDF that takes longer than the parse time limit (422 parse_timeout)', async () => {
		const pages = Array.from({ length: 300 }, (_, i) => `Slide ${i + 1}: a long deck that takes a while to render`);
		const started = Date.now();
		const res = await upload(slow, await makeDeck(pages), teacher);
		expect(res.status).toBe(422);
		expect(res.json.error.code).toBe('parse_timeout');
		expect(res.json.error.message).toMatch(/took longer than 20 ms/);
		expect(Date.now() - started).toBeLessThan(10_000);
		await expectNothingStored(slow, lessonId);
	});

	it('uploads the same deck when the limit allows it', async () => {
		const res = await upload(small, await makeDeck(['Fits']), teacher);
		expect(res.status).toBe(201);
	});
});

describe('pdfjs data files', () => {
	let s: DeckServer;
	beforeAll(async () => {
		s = await startDeckServer();
	});
	afterAll(() => s.stop());

	it('serves cmaps and standard fonts publicly with a long cache', async () => {
		const cmap = await fetch(`${s.url}/pdfjs/cmaps/UniGB-UCS2-H.bcmap`);
		expect(cmap.status).toBe(200);
		expect(cmap.headers.get('cache-control')).toMatch(/^public, max-age=\d{6,}/);
		const onDisk = await readFile(path.join('node_modules', 'pdfjs-dist', 'cmaps', 'UniGB-UCS2-H.bcmap'));
		expect(Buffer.from(await cmap.arrayBuffer()).equals(onDisk)).toBe(true);
		const font = await fetch(`${s.url}/pdfjs/standard_fonts/LiberationSans-Regular.ttf`);
		expect(font.status).toBe(200);
		expect(font.headers.get('content-type')).toBe('font/ttf');
		await font.arrayBuffer();
		expect((await fetch(`${s.url}/pdfjs/cmaps/NoSuchMap.bcmap`)).status).toBe(404);
	});

	it('serves the image decoders (wasm) but never the PDF scripting engine', async () => {
		const wasm = await fetch(`${s.url}/pdfjs/wasm/openjpeg.wasm`);
		expect(wasm.status).toBe(200);
		expect(wasm.headers.get('content-type')).toBe('application/wasm');
		await wasm.arrayBuffer();
		for (const name of ['quickjs-eval.wasm', 'quickjs-eval.js']) {
			expect((await fetch(`${s.url}/pdfjs/wasm/${name}`)).status).toBe(404);
		}
	});

	it('refuses paths that climb out of the folder', async () => {
		for (const raw of ['/pdfjs/cmaps/../../package.json', '/pdfjs/cmaps/..%2F..%2Fpackage.json', '/pdfjs/standard_fonts/%2e%2e/cmaps/Adobe-GB1-UCS2.bcmap', '/pdfjs/cmaps/.bcmap', '/pdfjs/cmaps/']) {
			const res = await rawRequest(s, 'GET', raw);
			expect(res.status, raw).toBe(404);
			expect(res.body.toString()).not.toMatch(/pdfjs-dist/);
		}
	});
});
