#!/usr/bin/env node
import { onevmProgram } from '../src/cli/onevm.js';
import { processIo, runCli } from '../src/cli/run.js';

process.exitCode = await runCli(onevmProgram(processIo), process.argv.slice(2));
