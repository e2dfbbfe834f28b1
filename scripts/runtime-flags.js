// V8 settings of the running program, applied as soon as this module is imported: first thing in bin/shenbao.js,
// and with `node --import` in the benchmarks' child processes, which must measure the program as it runs.
import { setFlagsFromString } from 'node:v8';

// WebAssembly (PGlite, Prisma's query compiler) stays in V8's baseline compiler: optimising PGlite's hot functions
// in the background costs ~60 MB of memory, and our queries are small enough not to gain from it.
setFlagsFromString('--liftoff-only');

// The young generation keeps its starting size (1 MB semi-spaces) instead of doubling up to 16 MB whenever much of
// what it holds survives, as when a 10,000-row table is read or written: that growth alone took ~30 MB of resident
// memory per export or import, and measured here it bought no speed, neither for those nor for a message's turn.
setFlagsFromString('--semi-space-growth-factor=1');
