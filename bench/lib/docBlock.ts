import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces what lies between `<!-- name:results:begin -->` and `<!-- name:results:end -->` in a
 * Markdown file with `body`. Returns false (and leaves the file alone) when a marker is missing.
 */
export function replaceDocBlock(file: string, name: string, body: string): boolean {
	const begin = `<!-- ${name}:results:begin -->`;
	const end = `<!-- ${name}:results:end -->`;
	if (!existsSync(file)) return false;
	const doc = readFileSync(file, 'utf8');
	const i = doc.indexOf(begin);
	const j = doc.indexOf(end);
	if (i < 0 || j < i) return false;
	writeFileSync(file, `${doc.slice(0, i + begin.length)}\n${body}\n${doc.slice(j)}`);
	return true;
}
