#!/usr/bin/env node
// The GビズID stand-in (TEST ONLY, not GビズID) as its own process; see
// src/identity/gbizid/standin/main.ts for the options.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/identity/gbizid/standin/main.ts');
const code = await main(process.argv.slice(2));
if (code !== 0) process.exitCode = code;
