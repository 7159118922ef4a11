import { z } from 'zod';
const s = z.strictObject({ a: z.string().min(1), b: z.number().int().optional(), c: z.array(z.strictObject({ d: z.enum(['x','y']).default('x') })).default([]) }).superRefine(() => {});
globalThis.out = s.parse({ a: 'x', c: [{}] });
