#!/usr/bin/env node
// Entry point of the `tsunagu` command. The code is TypeScript, run through tsx's loader, so
// there is no build step between a change and running it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
