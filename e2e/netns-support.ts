import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';

/**
 * Two hosts of our own, made for the test as network namespaces (prefix cb13): the server's and the
 * browsers'. Traffic stays inside them (and on the test's own veth into the server namespace).
 *
 *   cb13c (browsers) 10.213.0.2 ── veth ── 10.213.0.1 app+SFU, 10.213.0.3 TURN   cb13s (server)
 *   root (the test)  10.213.1.1 ── veth ── 10.213.1.2                              cb13s
 */
export const NET = {
	serverNs: 'cb13s',
	clientNs: 'cb13c',
	server: '10.213.0.1',
	turn: '10.213.0.3',
	client: '10.213.0.2',
	/** The server as the test process (root namespace) reaches it. */
	serverFromTest: '10.213.1.2'
} as const;

export const needsRoot = (): string | null =>
	process.getuid?.() !== 0 ? 'network namespaces need root' : hasCommand('ip') && hasCommand('iptables') ? null : 'iproute2 and iptables are needed';

function hasCommand(name: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

function sh(args: string[]): void {
	execFileSync(args[0]!, args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
}
const quiet = (args: string[]) => {
	try {
		sh(args);
	} catch {
		// Already gone.
	}
};

/** Runs a command inside a namespace, synchronously (iptables, ip). */
export function inNs(ns: string, args: string[]): void {
	sh(['ip', 'netns', 'exec', ns, ...args]);
}

export function netnsDown(): void {
	quiet(['ip', 'netns', 'del', NET.serverNs]);
	quiet(['ip', 'netns', 'del', NET.clientNs]);
	quiet(['ip', 'link', 'del', 'cb13r0']);
}

export function netnsUp(): void {
	netnsDown();
	sh(['ip', 'netns', 'add', NET.serverNs]);
	sh(['ip', 'netns', 'add', NET.clientNs]);
	sh(['ip', 'link', 'add', 'cb13s0', 'netns', NET.serverNs, 'type', 'veth', 'peer', 'name', 'cb13c0', 'netns', NET.clientNs]);
	sh(['ip', 'link', 'add', 'cb13r0', 'type', 'veth', 'peer', 'name', 'cb13r1', 'netns', NET.serverNs]);
	inNs(NET.serverNs, ['ip', 'addr', 'add', `${NET.server}/24`, 'dev', 'cb13s0']);
	inNs(NET.serverNs, ['ip', 'addr', 'add', `${NET.turn}/24`, 'dev', 'cb13s0']);
	inNs(NET.clientNs, ['ip', 'addr', 'add', `${NET.client}/24`, 'dev', 'cb13c0']);
	inNs(NET.serverNs, ['ip', 'addr', 'add', `${NET.serverFromTest}/24`, 'dev', 'cb13r1']);
	sh(['ip', 'addr', 'add', '10.213.1.1/24', 'dev', 'cb13r0']);
	for (const [ns, dev] of [[NET.serverNs, 'cb13s0'], [NET.serverNs, 'cb13r1'], [NET.serverNs, 'lo'], [NET.clientNs, 'cb13c0'], [NET.clientNs, 'lo']] as const) {
		inNs(ns, ['ip', 'link', 'set', dev, 'up']);
	}
	sh(['ip', 'link', 'set', 'cb13r0', 'up']);
}

/** Browsers' firewall: nothing but TCP 443 leaves the browsers' namespace (a school that allows only HTTPS). */
export function onlyTcp443(): void {
	inNs(NET.clientNs, ['iptables', '-F', 'OUTPUT']);
	inNs(NET.clientNs, ['iptables', '-A', 'OUTPUT', '-o', 'lo', '-j', 'ACCEPT']);
	inNs(NET.clientNs, ['iptables', '-A', 'OUTPUT', '-p', 'tcp', '--dport', '443', '-j', 'ACCEPT']);
	inNs(NET.clientNs, ['iptables', '-A', 'OUTPUT', '-j', 'DROP']);
}

/** No UDP out of the browsers' namespace, and no TURN either (else ICE may as well pick the relay). */
export function blockUdp(): void {
	inNs(NET.clientNs, ['iptables', '-F', 'OUTPUT']);
	inNs(NET.clientNs, ['iptables', '-A', 'OUTPUT', '-p', 'udp', '!', '-o', 'lo', '-j', 'DROP']);
	inNs(NET.clientNs, ['iptables', '-A', 'OUTPUT', '-d', NET.turn, '-j', 'DROP']);
}

export function openFirewall(): void {
	inNs(NET.clientNs, ['iptables', '-F', 'OUTPUT']);
}

/** A process inside a namespace, its output kept; `stop` ends it (and only it). */
export interface NsProcess {
	child: ChildProcess;
	output(): string;
	waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
	stop(): Promise<void>;
}

export function spawnInNs(ns: string, command: string, args: string[], env: Record<string, string> = {}): NsProcess {
	const child = spawn('ip', ['netns', 'exec', ns, command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	let exited = false;
	child.on('exit', () => (exited = true));
	child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
	child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
	return {
		child,
		output: () => output,
		waitFor(pattern, timeoutMs = 60_000) {
			return new Promise((resolve, reject) => {
				const started = Date.now();
				const poll = setInterval(() => {
					const match = pattern.exec(output);
					if (match) {
						clearInterval(poll);
						resolve(match);
					} else if (exited || Date.now() - started > timeoutMs) {
						clearInterval(poll);
						reject(new Error(`${command}: no ${pattern} (${exited ? 'exited' : 'timed out'}):\n${output.slice(-4000)}`));
					}
				}, 100);
			});
		},
		async stop() {
			if (exited) return;
			child.kill('SIGTERM');
			await new Promise<void>((resolve) => {
				const timer = setTimeout(() => {
					child.kill('SIGKILL');
					resolve();
				}, 6000);
				child.once('exit', () => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	};
}

export interface NsServer extends NsProcess {
	dataDir: string;
	adminToken: string;
	/** Plain HTTP from the test process (admin API for setup). */
	apiUrl: string;
}

/** The real server.ts (one media worker) in the server namespace, on every address, SFU announced at NET.server. */
export async function startServerInNs(env: Record<string, string>): Promise<NsServer> {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'cb13-data-'));
	const proc = spawnInNs(NET.serverNs, process.execPath, ['--import', 'tsx', 'server.ts'], {
		PORT: '3000',
		HOST: '0.0.0.0',
		HTTPS_PORT: '3443',
		RTC_PORT: '40000',
		RTC_LISTEN_IP: '0.0.0.0',
		RTC_ANNOUNCED_ADDRESS: NET.server,
		MEDIASOUP_WORKERS: '1',
		DATA_DIR: dataDir,
		ANALYTICS_FILE: ':memory:',
		LOG_LEVEL: 'warn',
		...env
	});
	const match = await proc.waitFor(/\/admin\?token=(\S+)/);
	return {
		...proc,
		dataDir,
		adminToken: match[1]!,
		apiUrl: `http://${NET.serverFromTest}:3000`,
		async stop() {
			await proc.stop();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

/** base64 SHA-256 of a PEM certificate's public key: what --ignore-certificate-errors-spki-list takes. */
export function spkiOf(pemFile: string): string {
	const spki = new X509Certificate(readFileSync(pemFile)).publicKey.export({ type: 'spki', format: 'der' });
	return createHash('sha256').update(spki).digest('base64');
}

/**
 * Chromium fails every request in flight (net::ERR_NETWORK_CHANGED) when an address of its host
 * changes. The browsers' link-local IPv6 address becomes usable about 2.5 s after the link is up
 * (duplicate address detection), which a fast start reaches while a page is loading: a browser is
 * launched only once no address of its namespace is tentative.
 */
async function clientAddressesSettled(timeoutMs = 10_000): Promise<void> {
	try {
		if (execFileSync('ip', ['netns', 'exec', NET.clientNs, 'cat', '/proc/sys/net/ipv6/conf/cb13c0/disable_ipv6'], { encoding: 'utf8' }).trim() === '1') return;
	} catch {
		// No IPv6 in this kernel: no address to wait for.
		return;
	}
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const addresses = execFileSync('ip', ['netns', 'exec', NET.clientNs, 'ip', '-6', '-o', 'addr', 'show', 'dev', 'cb13c0'], { encoding: 'utf8' }).trim();
		if (addresses !== '' && !addresses.includes('tentative')) return;
		if (Date.now() > deadline) throw new Error(`the browsers' namespace has no settled IPv6 address after ${timeoutMs} ms: ${addresses || 'none'}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/**
 * Debian's Chromium inside the browsers' namespace (a wrapper runs it under `ip netns exec`; the
 * DevTools pipe passes through), trusting only the given public keys beyond the system's.
 */
export async function launchInClientNs(trustedSpki: string[], media: { video?: string; audio?: string } = {}): Promise<{ browser: Browser; dispose(): Promise<void> }> {
	await clientAddressesSettled();
	const dir = mkdtempSync(path.join(tmpdir(), 'cb13-chromium-'));
	const wrapper = path.join(dir, 'chromium-in-ns');
	writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${NET.clientNs} /usr/bin/chromium "$@"\n`);
	chmodSync(wrapper, 0o755);
	const args = [
		'--no-sandbox',
		'--disable-gpu',
		'--disable-quic',
		'--no-first-run',
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync',
		'--use-fake-ui-for-media-stream',
		'--use-fake-device-for-media-stream',
		'--autoplay-policy=no-user-gesture-required',
		`--ignore-certificate-errors-spki-list=${trustedSpki.join(',')}`
	];
	if (media.video) args.push(`--use-file-for-fake-video-capture=${media.video}`);
	if (media.audio) args.push(`--use-file-for-fake-audio-capture=${media.audio}`);
	const browser = await chromium.launch({ executablePath: wrapper, headless: true, args });
	return {
		browser,
		async dispose() {
			await browser.close().catch(() => undefined);
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

export interface SelectedPair {
	direction: 'send' | 'recv';
	localType: string | null;
	localProtocol: string | null;
	relayProtocol: string | null;
	remoteType: string | null;
	remoteProtocol: string | null;
	remoteAddress: string | null;
	remotePort: number | null;
	bytesReceived: number;
	bytesSent: number;
}

export function candidatePairs(page: Page): Promise<SelectedPair[]> {
	return page.evaluate(async () => {
		const hook = (window as unknown as { __classbridge?: { candidatePairs(): Promise<unknown[]> } }).__classbridge;
		return hook ? ((await hook.candidatePairs()) as never) : [];
	});
}

/** "host/udp → host/udp 10.213.0.1:40000" */
export const describePair = (p: SelectedPair) =>
	`${p.direction}: ${p.localType}/${p.localProtocol}${p.relayProtocol ? ` (relay over ${p.relayProtocol})` : ''} -> ${p.remoteType}/${p.remoteProtocol} ${p.remoteAddress}:${p.remotePort}`;

/** Admin API from the test process (root namespace, plain HTTP over the test's own veth). */
export async function adminCall<T>(server: NsServer, method: string, route: string, body?: unknown): Promise<T> {
	const res = await fetch(`${server.apiUrl}${route}`, {
		method,
		headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}
