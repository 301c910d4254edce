import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Options } from '../options.js';

/** A usage mistake (bad flag value, unreadable config): the CLI exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The sharelock options in `--config`: a `.json` file, or a `.mjs`/`.js` module whose default
 * export is the options (there functions work too: `policies: (defaults) => [...]`, `geo.lookup`).
 */
export async function loadConfig(file: string): Promise<Partial<Options>> {
  const path = resolve(file);
  const extension = extname(path);
  let value: unknown;
  if (extension === '.json') {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new UsageError(`--config ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--config ${file}: not valid JSON (${(error as Error).message}).`);
    }
  } else if (extension === '.mjs' || extension === '.js') {
    try {
      value = ((await import(pathToFileURL(path).href)) as { default?: unknown }).default;
    } catch (error) {
      throw new UsageError(`--config ${file}: cannot load it (${(error as Error).message}).`);
    }
  } else {
    throw new UsageError(`--config ${file}: use a .json file or a .mjs module whose default export is the options.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--config ${file}: must hold an object of sharelock options, e.g. { "limits": { "devices": 4 } }.`);
  return value as Partial<Options>;
}
