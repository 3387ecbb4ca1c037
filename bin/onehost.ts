#!/usr/bin/env node
import { onehostProgram } from '../src/cli/onehost.js';
import { processIo, runCli } from '../src/cli/run.js';

process.exitCode = await runCli(onehostProgram(processIo), process.argv.slice(2));
