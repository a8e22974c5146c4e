import fc from 'fast-check';
import type { z } from 'zod';

type Def = { type: string; [key: string]: unknown };
type Check = { check: string; [key: string]: unknown };

const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;
const checksOf = (def: Def): Check[] => ((def.checks as { _zod: { def: Check } }[] | undefined) ?? []).map((c) => c._zod.def);

/** Values of the right shape for a zod schema (refinements aside: `validOf` filters by the schema itself). */
export function shapeOf(schema: unknown): fc.Arbitrary<unknown> {
	const def = defOf(schema);
	switch (def.type) {
		case 'string':
			return stringOf(def);
		case 'number':
			return numberOf(def);
		case 'boolean':
			return fc.boolean();
		case 'null':
			return fc.constant(null);
		case 'undefined':
			return fc.constant(undefined);
		case 'literal':
			return fc.constantFrom(...(def.values as unknown[]));
		case 'enum':
			return fc.constantFrom(...Object.values(def.entries as Record<string, unknown>));
		case 'optional':
			return fc.option(shapeOf(def.innerType), { nil: undefined });
		case 'nullable':
			return fc.option(shapeOf(def.innerType), { nil: null });
		case 'default':
		case 'prefault':
			return fc.option(shapeOf(def.innerType), { nil: undefined });
		case 'pipe':
			return shapeOf(def.in);
		case 'readonly':
		case 'catch':
			return shapeOf(def.innerType);
		case 'union':
			return fc.oneof(...(def.options as unknown[]).map(shapeOf));
		case 'array': {
			const checks = checksOf(def);
			const minLength = (checks.find((c) => c.check === 'min_length')?.minimum as number | undefined) ?? 0;
			const maxLength = Math.min((checks.find((c) => c.check === 'max_length')?.maximum as number | undefined) ?? 5, minLength + 5);
			return fc.array(shapeOf(def.element), { minLength, maxLength });
		}
		case 'record':
			return fc.dictionary(stringOf({ type: 'string' }, 12), shapeOf(def.valueType), { maxKeys: 4 });
		case 'object': {
			const shape = def.shape as Record<string, unknown>;
			const required = Object.keys(shape).filter((k) => !['optional', 'default', 'prefault'].includes(defOf(shape[k]).type));
			const fields = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, shapeOf(v)]));
			return fc.record(fields, { requiredKeys: required }).map((o) => dropUndefined(o as Record<string, unknown>));
		}
		case 'unknown':
		case 'any':
			return fc.jsonValue({ maxDepth: 2 });
		default:
			throw new Error(`no arbitrary for zod type ${def.type}`);
	}
}

/** Inputs the schema accepts. */
export function validOf<T extends z.ZodType>(schema: T): fc.Arbitrary<z.input<T>> {
	return shapeOf(schema).filter((v) => schema.safeParse(v).success) as fc.Arbitrary<z.input<T>>;
}

function stringOf(def: Def, fallbackMax = 40): fc.Arbitrary<string> {
	if (def.format === 'uuid' || def.format === 'guid') return fc.uuid();
	const checks = checksOf(def);
	const minLength = (checks.find((c) => c.check === 'min_length')?.minimum as number | undefined) ?? 0;
	const maxLength = Math.min((checks.find((c) => c.check === 'max_length')?.maximum as number | undefined) ?? fallbackMax, Math.max(minLength, 60));
	const regex = checks.find((c) => c.check === 'string_format' && c.format === 'regex')?.pattern as RegExp | undefined;
	if (regex) return fc.stringMatching(regex).filter((s) => s.length >= minLength && s.length <= maxLength);
	return fc.string({ minLength, maxLength, unit: 'grapheme' });
}

function numberOf(def: Def): fc.Arbitrary<number> {
	const checks = checksOf(def);
	const int = checks.some((c) => c.check === 'number_format' && String(c.format).includes('int'));
	const low = checks.find((c) => c.check === 'greater_than');
	const high = checks.find((c) => c.check === 'less_than');
	const min = low ? (low.value as number) + (low.inclusive || int ? 0 : 1e-9) + (!low.inclusive && int ? 1 : 0) : -1e6;
	const max = high ? (high.value as number) - (high.inclusive || int ? 0 : 1e-9) - (!high.inclusive && int ? 1 : 0) : 1e6;
	return int ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A value nested `depth` levels deep in arrays and objects. */
function nested(depth: number): unknown {
	let value: unknown = 'bottom';
	for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { v: value };
	return value;
}

/** Objects whose own keys are `__proto__`, `constructor` or `prototype`, as JSON from a peer would carry them. */
const pollutingObject: fc.Arbitrary<unknown> = fc
	.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.jsonValue({ maxDepth: 2 }))
	.map(([key, value]) => JSON.parse(`{"${key}": ${JSON.stringify(value ?? null)}, "toString": 1}`));

/**
 * Payloads a schema must refuse: wrong types, long strings, deep nesting, polluting keys, numbers out
 * of range, and valid payloads with one field broken. Only values the schema really refuses are kept.
 */
export function malformedOf(schema: z.ZodType): fc.Arbitrary<unknown> {
	const wrongValue = fc.oneof(
		fc.constantFrom(null, true, false, 0, -1, -1e308, 1e308, Number.MAX_SAFE_INTEGER + 2, 0.5, '', [], {}, 'x'),
		// Long, yet inside one socket message (64 KiB) even when each character takes six bytes of JSON.
		fc.tuple(fc.integer({ min: 1000, max: 9000 }), fc.constantFrom('x', 'é', '字', '\u202e', '\u0000', '🎓')).map(([n, c]) => c.repeat(n)),
		fc.integer({ min: 2, max: 2000 }).map(nested),
		pollutingObject,
		fc.jsonValue({ maxDepth: 3 })
	);
	const brokenField = shapeOf(schema).chain((valid) =>
		valid && typeof valid === 'object' && !Array.isArray(valid) && Object.keys(valid).length > 0
			? fc.tuple(fc.constantFrom(...Object.keys(valid)), wrongValue).map(([key, bad]) => ({ ...valid, [key]: bad }))
			: wrongValue
	);
	return fc.oneof(wrongValue, brokenField, pollutingObject).filter((v) => !schema.safeParse(v).success);
}
