#!/usr/bin/env node
import { oneacctProgram } from '../src/cli/oneacct.js';
import { processIo, runCli } from '../src/cli/run.js';

process.exitCode = await runCli(oneacctProgram(processIo), process.argv.slice(2));
