import { execFile } from 'node:child_process';
import { NepheleError } from '../../src/errors.js';

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a host tool with an argument array (never a shell) and resolves with
 * its output; a non-zero exit is DRIVER_FAILED with the tool's stderr in the
 * details, an abort rejects with the signal's reason.
 */
export function runTool(file: string, args: readonly string[], signal?: AbortSignal): Promise<ToolResult> {
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, ...(signal === undefined ? {} : { signal }) },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve({ stdout, stderr });
          return;
        }
        if (signal?.aborted === true) {
          reject(signal.reason);
          return;
        }
        const e = err as NodeJS.ErrnoException & { code?: string | number };
        reject(
          new NepheleError('DRIVER_FAILED', `${file} failed: ${stderr.trim().split('\n').at(-1) ?? e.message}`, {
            details: {
              tool: file,
              exitCode: typeof e.code === 'number' ? e.code : null,
              errno: typeof e.code === 'string' ? e.code : null,
              stderr: stderr.slice(-2000),
            },
            cause: err,
          }),
        );
      },
    );
  });
}
