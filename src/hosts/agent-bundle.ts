import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleBuild } from '../protocol/agent-build.js';

/** The agent as one file that `onehost create --ssh` uploads: Node.js is all a host needs. */
export interface AgentBundle {
  readonly path: string;
  /** A hash of the file: the `+<build>` an agent from this bundle reports after its version. */
  readonly build: string;
}

/** The agent's entry point: the TypeScript source in a checkout, the compiled file in dist/. */
async function entryPoint(): Promise<string> {
  for (const name of ['../../bin/onenode.ts', '../../bin/onenode.js']) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    try {
      await access(path);
      return path;
    } catch {
      // the other one
    }
  }
  throw new TypeError('bin/onenode is missing: the bundle cannot be built');
}

/**
 * Packs onenode and its dependencies into `<dir>/onenode.mjs` with esbuild.
 * Optional native parts (msgpackr's extractor, ws's accelerators) stay out:
 * their packages fall back to plain JavaScript when they are absent.
 */
export async function buildAgentBundle(dir: string): Promise<AgentBundle> {
  const { build } = await import('esbuild');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'onenode.mjs');
  const result = await build({
    entryPoints: [await entryPoint()],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    external: ['msgpackr-extract', 'bufferutil', 'utf-8-validate'],
    define: { 'process.env.NEPHELE_AGENT_BUNDLE': '"1"' },
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __nepheleRequire } from 'node:module'; const require = __nepheleRequire(import.meta.url);" },
  });
  const code = result.outputFiles[0]?.contents;
  if (code === undefined) throw new TypeError('esbuild produced no output');
  const partial = `${path}.part`;
  await writeFile(partial, code, { mode: 0o644 });
  await rename(partial, path);
  return { path, build: bundleBuild(await readFile(path)) };
}
