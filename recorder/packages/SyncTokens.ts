import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../core/writeFileAtomic.ts';

const FileSchema = z.object({ tokens: z.array(z.object({ school: z.string(), hash: z.string(), createdAt: z.number() })) });

/**
 * Read tokens a district's staff issue to school servers (SYNC_TOKEN there): only their SHA-256 is
 * kept, in `<dataDir>/sync-tokens.json`. A token lets a school list and pull packages and report
 * what it holds, nothing else.
 */
export class SyncTokens {
	readonly #file: string;
	#tokens: z.infer<typeof FileSchema>['tokens'] = [];

	constructor(dataDir: string) {
		this.#file = path.join(dataDir, 'sync-tokens.json');
	}

	async load(): Promise<void> {
		const text = await readFile(this.#file, 'utf8').catch(() => null);
		const parsed = text === null ? null : FileSchema.safeParse(JSON.parse(text));
		this.#tokens = parsed?.success ? parsed.data.tokens : [];
	}

	async issue(school: string): Promise<string> {
		const token = `cbs_${randomBytes(24).toString('base64url')}`;
		this.#tokens.push({ school, hash: hashOf(token), createdAt: Date.now() });
		await writeFileAtomic(this.#file, JSON.stringify({ tokens: this.#tokens }));
		return token;
	}

	/** The school a token was issued to, or null. */
	school(token: string | undefined): string | null {
		if (!token) return null;
		const hash = Buffer.from(hashOf(token), 'hex');
		for (const t of this.#tokens) if (timingSafeEqual(Buffer.from(t.hash, 'hex'), hash)) return t.school;
		return null;
	}
}

function hashOf(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}
