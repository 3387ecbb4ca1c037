#!/usr/bin/env node
import { onevnetProgram } from '../src/cli/onevnet.js';
import { processIo, runCli } from '../src/cli/run.js';

process.exitCode = await runCli(onevnetProgram(processIo), process.argv.slice(2));
