/**
 * The import rules of ARCHITECTURE.md ("Parts and folders"), checked by `npm test`
 * (scripts/test.sh) and `npm run check:imports`. A new crossing fails the build.
 *
 * Tests (`*.test.ts`) and fixtures (`testing/` folders) keep their part's row, and may also use any
 * part's `testing/` fixtures: the integration tests drive the composed app (app/testing/harness.ts)
 * through real sockets, as a browser would. Nothing else may import a `testing/` folder.
 */
const TESTS = '(\\.test\\.ts$|/testing/)';
const part = (name, mayImport, comment) => ({
	name: `${name}-imports`,
	comment,
	severity: 'error',
	from: { path: `^${name}/` },
	to: {
		path: '^(protocol|core|sfu|signalling|recorder|analytics|app|web)/',
		pathNot: [`^(${[name, ...mayImport].join('|')})/`, `^[a-z]+/testing/`]
	}
});

module.exports = {
	forbidden: [
		part('protocol', [], 'protocol/ is the wire contract: zod only'),
		part('core', ['protocol'], 'core/ is the shared kernel: protocol only'),
		part('sfu', ['core'], 'sfu/ is mediasoup behind an id-based API: core only'),
		part('signalling', ['sfu', 'core', 'protocol'], 'signalling/ may use sfu, core and protocol'),
		part('recorder', ['sfu', 'core', 'protocol'], 'recorder/ may use sfu, core and protocol'),
		part('analytics', ['core', 'protocol'], 'analytics/ may use core and protocol'),
		part('app', ['protocol', 'core', 'sfu', 'signalling', 'recorder', 'analytics'], 'app/ composes every part'),
		part('web', ['protocol'], 'the browser imports the wire protocol and nothing else of the server'),
		{
			name: 'fixtures-only-in-tests',
			comment: 'testing/ folders are fixtures for tests, e2e and benches, never for the product',
			severity: 'error',
			from: { path: '^(protocol|core|sfu|signalling|recorder|analytics|app|web)/', pathNot: TESTS },
			to: { path: '/testing/' }
		},
		{
			name: 'mediasoup-only-in-sfu',
			comment: 'mediasoup is reached through sfu/ only',
			severity: 'error',
			from: { pathNot: ['^sfu/', '^(bench|e2e|scripts)/'] },
			to: { path: '(^|node_modules/)mediasoup(/|$)' }
		},
		{
			name: 'signalling-client-without-media',
			comment: 'the browser signalling client knows messages, not the media engine',
			severity: 'error',
			from: { path: '^web/lib/signalling/' },
			to: { path: '^web/lib/media/' }
		},
		{
			name: 'no-cycles',
			comment: 'modules form no import cycles',
			severity: 'error',
			from: { path: '^(protocol|core|sfu|signalling|recorder|analytics|app|web)/' },
			to: { circular: true }
		}
	],
	options: {
		doNotFollow: { path: 'node_modules' },
		exclude: { path: '(^|/)(node_modules|build|\\.svelte-kit)/' },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: 'tsconfig.json' },
		enhancedResolveOptions: { extensions: ['.ts', '.js', '.svelte', '.json'] }
	}
};
