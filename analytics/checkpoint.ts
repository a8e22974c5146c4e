import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { AnalyticsError } from './AnalyticsError.ts';

/**
 * Folds the store's write-ahead log into its file and closes it, so that the one file is the whole
 * store (backups copy it). Refuses while another process (a running server) holds the store.
 */
export async function checkpointStoreFile(file: string): Promise<void> {
	if (!existsSync(file)) return;
	let instance: DuckDBInstance;
	try {
		instance = await DuckDBInstance.create(file);
	} catch (error) {
		const message = (error as Error).message;
		if (/lock/i.test(message)) throw new AnalyticsError('unavailable', `the analytics store ${file} is in use by a running server: stop the server first`);
		throw error;
	}
	const connection = await instance.connect();
	try {
		await connection.run('CHECKPOINT');
	} finally {
		connection.closeSync();
		instance.closeSync();
	}
}
