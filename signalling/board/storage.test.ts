import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBoardStorage } from './FileBoardStorage.ts';
import { splitByPage, type StoredRecord } from './pages.ts';

const rec = (state: Record<string, unknown>, clock = 1): StoredRecord => ({ state: state as StoredRecord['state'], lastChangedClock: clock });

describe('board pages', () => {
	const records = [
		rec({ id: 'document:document', typeName: 'document' }),
		rec({ id: 'page:d_x_1', typeName: 'page' }),
		rec({ id: 'page:b_1', typeName: 'page' }),
		rec({ id: 'shape:group', typeName: 'shape', parentId: 'page:d_x_1' }),
		rec({ id: 'shape:inGroup', typeName: 'shape', parentId: 'shape:group' }),
		rec({ id: 'shape:blank', typeName: 'shape', parentId: 'page:b_1' }),
		rec({ id: 'binding:arrow', typeName: 'binding', fromId: 'shape:inGroup', toId: 'shape:blank' }),
		rec({ id: 'asset:img', typeName: 'asset' })
	];

	it('puts each shape with its top page, bindings with the shape they start from', () => {
		const parts = splitByPage(records);
		const ids = (list: StoredRecord[] | undefined) => (list ?? []).map((r) => r.state.id).sort();
		expect(ids(parts.pages.get('d_x_1'))).toEqual(['binding:arrow', 'page:d_x_1', 'shape:group', 'shape:inGroup']);
		expect(ids(parts.pages.get('b_1'))).toEqual(['page:b_1', 'shape:blank']);
		expect(ids(parts.shared)).toEqual(['asset:img', 'document:document']);
	});
});

describe('FileBoardStorage', () => {
	let dir: string;
	beforeAll(async () => {
		dir = await mkdtemp(path.join(tmpdir(), 'cb-boardfiles-'));
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	it('writes only the pages it is given, removes gone ones, and reads the whole board back', async () => {
		const storage = new FileBoardStorage(dir);
		const page = (id: string) => [rec({ id: `page:${id}`, typeName: 'page' })];
		await storage.save('L1', { schema: { v: 1 }, documentClock: 5, shared: [], pages: new Map([['a', page('a')], ['b', page('b')]]) });
		await storage.save('L1', { schema: { v: 1 }, documentClock: 7, shared: [], pages: new Map([['b', null]]) });
		const board = await storage.load('L1');
		expect(board?.documentClock).toBe(7);
		expect([...(board?.pages.keys() ?? [])]).toEqual(['a']);
		expect(await storage.load('nothing')).toBeNull();
	});

	it('sets an unreadable page file aside instead of losing it', async () => {
		const storage = new FileBoardStorage(dir);
		await storage.save('L2', { schema: {}, documentClock: 1, shared: [], pages: new Map([['p', [rec({ id: 'page:p', typeName: 'page' })]]]) });
		await writeFile(path.join(dir, 'boards', 'L2', 'pages', 'p.json'), '{"v":1,"boardId":"p","records":[{"broken":');
		const board = await storage.load('L2');
		expect(board?.pages.size).toBe(0);
		const files = await readdir(path.join(dir, 'boards', 'L2', 'pages'));
		expect(files.some((f) => f.startsWith('p.json.unreadable-'))).toBe(true);
	});
});
