import { z } from 'zod';

// zod compiles object parsers with `new Function` when it may, and finds out by trying: under the
// page's Content-Security-Policy (no 'unsafe-eval') that try is a reported violation. Parse without.
z.config({ jitless: true });
