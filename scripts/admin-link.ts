// `npm run admin-link`: prints a new admin link and revokes every older one and its sessions.
import { issueAdminLink } from '../signalling/auth/adminLink.ts';
import { loadConfig } from '../app/config.ts';

try {
	const link = await issueAdminLink(loadConfig());
	process.stdout.write(
		`\n  New admin link (keep it private):\n  ${link}\n\n  Every older admin link and every staff session signed in with one has stopped working.\n\n`
	);
} catch (error) {
	process.stderr.write(`admin-link: ${(error as Error).message}\n`);
	process.exit(1);
}
