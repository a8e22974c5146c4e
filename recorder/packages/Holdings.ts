import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { DistrictHoldings } from '../../protocol/index.ts';
import { writeFileAtomic } from '../../core/writeFileAtomic.ts';

const FileSchema = z.object({ schools: z.array(z.object({ school: z.string(), lessonIds: z.array(z.string()), reportedAt: z.number() })) });

/** The district's view of which school holds which lessons, as the schools report it after each sync. */
export class Holdings {
	readonly #file: string;
	#data: DistrictHoldings = { schools: [] };

	constructor(dataDir: string) {
		this.#file = path.join(dataDir, 'package-holdings.json');
	}

	async load(): Promise<void> {
		const text = await readFile(this.#file, 'utf8').catch(() => null);
		const parsed = text === null ? null : FileSchema.safeParse(JSON.parse(text));
		this.#data = parsed?.success ? parsed.data : { schools: [] };
	}

	get(): DistrictHoldings {
		return this.#data;
	}

	async report(school: string, lessonIds: string[]): Promise<void> {
		const others = this.#data.schools.filter((s) => s.school !== school);
		this.#data = { schools: [...others, { school, lessonIds: [...new Set(lessonIds)].sort(), reportedAt: Date.now() }].sort((a, b) => a.school.localeCompare(b.school)) };
		await writeFileAtomic(this.#file, JSON.stringify(this.#data));
	}
}
