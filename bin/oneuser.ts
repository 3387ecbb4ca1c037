#!/usr/bin/env node
import { oneuserProgram } from '../src/cli/oneuser.js';
import { processIo, runCli } from '../src/cli/run.js';

process.exitCode = await runCli(oneuserProgram(processIo), process.argv.slice(2));
