import * as z from 'zod/mini';
const s = z.strictObject({ a: z.string().check(z.minLength(1)), b: z.optional(z.number()), c: z._default(z.array(z.strictObject({ d: z._default(z.enum(['x','y']), 'x') })), []) });
globalThis.out = s.parse({ a: 'x', c: [{}] });
