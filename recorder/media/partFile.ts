import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RecorderError } from './errors.ts';
import { PartFileSchema, type PartFile } from './types.ts';

export const PART_FILE = 'part.json';

/** Replaces part.json so a crash leaves the old version or the new one, never half of one. */
export async function writePartFile(dir: string, part: PartFile): Promise<void> {
	const file = path.join(dir, PART_FILE);
	const tmp = `${file}.${process.pid}.tmp`;
	await writeFile(tmp, JSON.stringify(part));
	await rename(tmp, file);
}

/** part.json as written by a PartRecorder; null when there is none; RecorderError when it is not one. */
export async function readPartFile(dir: string): Promise<PartFile | null> {
	let text: string;
	try {
		text = await readFile(path.join(dir, PART_FILE), 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw new RecorderError('io', `cannot read ${PART_FILE} in ${dir}: ${(error as Error).message}`);
	}
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		throw new RecorderError('invalid', `${PART_FILE} in ${dir} is not JSON`);
	}
	const parsed = PartFileSchema.safeParse(json);
	if (!parsed.success) throw new RecorderError('invalid', `${PART_FILE} in ${dir} is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
	return parsed.data;
}
