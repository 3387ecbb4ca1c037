#!/usr/bin/env node
import { oneimageProgram } from '../src/cli/oneimage.js';
import { processIo, runCli } from '../src/cli/run.js';

process.exitCode = await runCli(oneimageProgram(processIo), process.argv.slice(2));
