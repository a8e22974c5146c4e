import { AppError } from '../../core/errors.ts';
import { TokenError } from './TokenService.ts';

/**
 * The work's result, with a refused token answered as plain `unauthorized`: for routes that do not
 * tell the caller why its token was refused (only the live page's routes show the reason).
 */
export async function unauthorizedOnRefusal<T>(work: Promise<T>): Promise<T> {
	try {
		return await work;
	} catch (error) {
		throw error instanceof TokenError ? new AppError('unauthorized', error.message) : error;
	}
}
