// The process-wide pino root lives in sfu/ (which may import nothing of ours); signalling reuses it.

export { moduleLogger } from '../sfu/logger.ts';
