import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** util-linux's setpriv (Debian's essential util-linux package): sets a parent-death signal, then runs the command. */
const SETPRIV = '/usr/bin/setpriv';

function executable(file: string): boolean {
	try {
		accessSync(file, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

const canTie = process.platform === 'linux' && executable(SETPRIV);

/**
 * Spawns a helper process (ffmpeg) that the kernel kills when this process dies, however it dies: a
 * `kill -9` of the server or an out-of-memory kill leaves no ffmpeg holding a UDP port or a half
 * written file. Through `setpriv --pdeathsig`, which execs the command in place (same pid, so
 * signals sent to the child reach the command). Where setpriv is missing, or the command does not
 * exist (so the caller gets the usual spawn 'error'), it spawns the command as it is.
 */
export function spawnTied(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
	if (canTie && executable(command)) return spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], options);
	return spawn(command, args, options);
}
