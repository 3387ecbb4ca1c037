#!/usr/bin/env node
import { onetemplateProgram } from '../src/cli/onetemplate.js';
import { processIo, runCli } from '../src/cli/run.js';

process.exitCode = await runCli(onetemplateProgram(processIo), process.argv.slice(2));
