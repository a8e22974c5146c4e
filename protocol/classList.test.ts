import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NAME_LENGTH, StudentNameSchema, normaliseStudentName, sameStudentName } from './classList.ts';

/** Characters that hide or reorder text: bidi overrides, isolates and marks, zero-width ones, fillers, controls. */
const SNEAKY = [
	'\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C',
	'\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u034F', '\u115F', '\u3164', '\uFFA0', '\uFE0F', '\u180E',
	'\u2800', '\u0000', '\u0007', '\u001B', '\u007F', '\u0085', '\t', '\n', '\r', '\u2028', '\u3000', '\u00A0', '\uE000', '\uD800',
	'\u0301', '\u0308'
];
const anyName = fc
	.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom(...SNEAKY), fc.constantFrom('王', '小明', 'Li', ' ', 'é')), { maxLength: 40 })
	.map((parts) => parts.join(''));
const HIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}\u2800]/u;

describe('student names', () => {
	it('normalise to NFC text without hidden or reordering characters, with single spaces, idempotently', () => {
		fc.assert(
			fc.property(anyName, (raw) => {
				const name = normaliseStudentName(raw);
				expect(name).not.toMatch(HIDDEN);
				expect(name).toBe(name.normalize('NFC'));
				expect(name).toBe(name.trim());
				expect(name).not.toMatch(/\s\s|[^\S ]/);
				expect(name).not.toMatch(/\p{M}{5}/u);
				expect(normaliseStudentName(name)).toBe(name);
			}),
			{ numRuns: 2000 }
		);
	});

	it('are accepted only when something readable of at most 40 characters is left, and come out normalised', () => {
		fc.assert(
			fc.property(anyName, (raw) => {
				const parsed = StudentNameSchema.safeParse(raw);
				const name = normaliseStudentName(raw);
				const readable = /[\p{L}\p{N}]/u.test(name) && [...name].length <= MAX_NAME_LENGTH;
				expect(parsed.success).toBe(readable);
				if (parsed.success) expect(parsed.data).toBe(name);
			}),
			{ numRuns: 2000 }
		);
	});

	it('match regardless of case, spacing, full-width forms and hidden characters', () => {
		const sneak = fc.constantFrom(...SNEAKY.filter((c) => HIDDEN.test(c)));
		fc.assert(
			fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }), fc.array(fc.tuple(fc.nat(), sneak), { maxLength: 6 }), (name, inserts) => {
				let variant = name.toUpperCase();
				for (const [at, char] of inserts) {
					const i = at % (variant.length + 1);
					variant = variant.slice(0, i) + char + variant.slice(i);
				}
				expect(sameStudentName(name, variant)).toBe(true);
			}),
			{ numRuns: 1000 }
		);
		expect(sameStudentName('Ｗａｎｇ　Ｆａｎｇ', 'wang fang')).toBe(true);
		expect(sameStudentName('王 小明', '王小明')).toBe(true);
		expect(sameStudentName('Wang Fang', 'Wang Fan')).toBe(false);
	});
});
