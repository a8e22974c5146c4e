export { moduleLogger } from '../../sfu/logger.ts';
