// The process-wide pino root lives in sfu/ (which imports nothing of ours); the recorder reuses it.
export { moduleLogger } from '../sfu/logger.ts';
