import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTls } from './tls.ts';

/** The shipped deploy/ files, checked by the tools that will run them (Debian's caddy, nginx, systemd, coturn). */
const deploy = (name: string) => path.resolve('deploy', name);
const work = mkdtempSync(path.join(tmpdir(), 'cb-deploy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
	execFileSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('deploy/', () => {
	it.skipIf(!existsSync('/usr/bin/caddy'))('Caddyfile: caddy validates it, for a domain and for a bare LAN address', () => {
		for (const domain of ['class.example.org', '192.168.1.20']) {
			const out = run('/usr/bin/caddy', ['validate', '--config', deploy('Caddyfile'), '--adapter', 'caddyfile'], {
				CLASSBRIDGE_DOMAIN: domain,
				HOME: work,
				XDG_DATA_HOME: path.join(work, 'caddy-data'),
				XDG_CONFIG_HOME: path.join(work, 'caddy-config')
			});
			expect(out).toContain('Valid configuration');
		}
		const adapted = JSON.parse(run('/usr/bin/caddy', ['adapt', '--config', deploy('Caddyfile'), '--adapter', 'caddyfile'], { CLASSBRIDGE_DOMAIN: 'class.example.org', HOME: work }));
		const text = JSON.stringify(adapted);
		expect(text).toContain('class.example.org');
		expect(text).toContain('127.0.0.1:3000');
		expect(text).toContain('"install_trust":false');
	});

	it.skipIf(!existsSync('/usr/sbin/nginx'))('nginx site: nginx -t accepts it, with WebSocket upgrades on /socket.io and /board', async () => {
		const tls = await loadTls(work, { certFile: null, keyFile: null });
		const site = readFileSync(deploy('nginx-classbridge.conf'), 'utf8')
			.replaceAll('/etc/letsencrypt/live/class.example.org/fullchain.pem', tls.certFile)
			.replaceAll('/etc/letsencrypt/live/class.example.org/privkey.pem', tls.keyFile)
			.replace(/\tlisten \[::\]:.*\n/g, '')
			.replace('listen 80;', 'listen 127.0.0.1:18080;')
			.replace('listen 443 ssl http2;', 'listen 127.0.0.1:18443 ssl http2;');
		writeFileSync(path.join(work, 'site.conf'), site);
		writeFileSync(
			path.join(work, 'nginx.conf'),
			`pid ${work}/nginx.pid;\nerror_log ${work}/error.log;\nevents {}\nhttp {\n access_log off;\n client_body_temp_path ${work};\n proxy_temp_path ${work};\n include ${work}/site.conf;\n}\n`
		);
		execFileSync('/usr/sbin/nginx', ['-t', '-q', '-c', path.join(work, 'nginx.conf'), '-p', work], { stdio: ['ignore', 'pipe', 'pipe'] });
		for (const location of ['/socket.io/', '/board']) {
			const block = new RegExp(`location ${location.replace('.', '\\.')} \\{[^}]*proxy_set_header Upgrade \\$http_upgrade;[^}]*proxy_read_timeout 4h;`);
			expect(site, location).toMatch(block);
		}
		expect(site).toContain('X-Forwarded-Proto $scheme');
	});

	it.skipIf(!existsSync('/usr/bin/systemd-analyze'))('systemd unit: systemd-analyze verify finds nothing, and the hardening is there', () => {
		const unit = readFileSync(deploy('classbridge.service'), 'utf8');
		const copy = path.join(work, 'classbridge.service');
		writeFileSync(copy, unit);
		const result = (() => {
			try {
				return run('/usr/bin/systemd-analyze', ['verify', copy]);
			} catch (error) {
				return String((error as { stderr?: string }).stderr ?? error);
			}
		})();
		// /opt/classbridge and the classbridge user exist only on the server it is installed on.
		const problems = result.split('\n').filter((l) => l.trim() && !/\/opt\/classbridge|User=|Group=|classbridge\.service: Command .* is not executable/.test(l));
		expect(problems).toEqual([]);
		for (const line of ['User=classbridge', 'Restart=on-failure', 'LimitNOFILE=65536', 'NoNewPrivileges=true', 'ProtectSystem=strict']) expect(unit).toContain(line);
	});

	it('coturn config: TLS on 443, the shared secret, private peers denied but the SFU allowed', () => {
		const conf = readFileSync(deploy('turnserver.conf'), 'utf8');
		const lines = new Set(conf.split('\n').map((l) => l.trim()));
		for (const line of ['tls-listening-port=443', 'use-auth-secret', 'denied-peer-ip=10.0.0.0-10.255.255.255', 'denied-peer-ip=172.16.0.0-172.31.255.255', 'denied-peer-ip=192.168.0.0-192.168.255.255', 'no-tcp-relay']) {
			expect(lines.has(line), line).toBe(true);
		}
		expect(conf).toMatch(/^static-auth-secret=/m);
		expect(conf).toMatch(/^allowed-peer-ip=/m);
	});
});
