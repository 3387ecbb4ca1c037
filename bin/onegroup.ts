#!/usr/bin/env node
import { onegroupProgram } from '../src/cli/onegroup.js';
import { processIo, runCli } from '../src/cli/run.js';

process.exitCode = await runCli(onegroupProgram(processIo), process.argv.slice(2));
