import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonLinesWriter } from './JsonLinesWriter.ts';
import { PackageStore } from './PackageStore.ts';
import { writeFixturePackage } from './testing/packageFixture.ts';

describe('lesson packages on disk', () => {
	let dataDir: string;
	let packages: PackageStore;
	beforeAll(async () => {
		dataDir = await mkdtemp(path.join(tmpdir(), 'cb-packages-'));
		packages = new PackageStore(dataDir);
		await packages.open();
	});
	afterAll(() => rm(dataDir, { recursive: true, force: true }));

	it('reads a timeline a crash cut short: whole lines are kept, the cut one is skipped', async () => {
		await writeFixturePackage(dataDir, { lessonId: 'les_cut', title: 'Cut', teacherName: 'T', classrooms: [], startedAt: 1 });
		const writer = new JsonLinesWriter(packages.timelineFile('les_cut'));
		writer.append({ kind: 'chat', mediaMs: 900, messageId: 'm2', from: 'T', role: 'teacher', classroomId: null, channel: 'chat', text: 'second' });
		await writer.flush();
		await appendFile(packages.timelineFile('les_cut'), '{"kind":"chat","mediaMs":1000,"messa');
		const entries = await packages.readTimeline('les_cut');
		expect(entries.map((e) => e.mediaMs)).toEqual([0, 500, 900]);
	});

	it('refuses a manifest that does not match its schema, and ids that are not ids', async () => {
		await writeFixturePackage(dataDir, { lessonId: 'les_bad', title: 'Bad', teacherName: 'T', classrooms: [], startedAt: 1 });
		expect(await packages.readManifest('les_bad')).toMatchObject({ lessonId: 'les_bad', schemaVersion: 1 });
		await writeFile(path.join(packages.dir('les_bad'), 'manifest.json'), JSON.stringify({ schemaVersion: 99, lessonId: 'les_bad' }));
		expect(await packages.readManifest('les_bad')).toBeNull();
		expect(await packages.readManifest('les_missing')).toBeNull();
		expect(() => packages.dir('../etc')).toThrow(/not an id/);
		expect(await packages.lessonIds()).toEqual(expect.arrayContaining(['les_cut', 'les_bad']));
	});
});
