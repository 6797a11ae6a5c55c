// The renderer's CSP forbids eval, so zod must not compile its parsers with `new Function`, nor probe whether it
// may (the CSP reports even a caught attempt as a violation). zod probes when a schema is built, so this module
// must be evaluated before any module that builds one: main.ts imports it first.
import { z } from 'zod';

z.config({ jitless: true });
