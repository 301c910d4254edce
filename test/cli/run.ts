import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The built CLI, as `npx sharelock` runs it. */
export const CLI = join(process.cwd(), 'dist/src/cli/main.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built CLI in a child process; never rejects on a non-zero exit. */
export function sharelock(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...options.env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : undefined) : 0;
      if (code === undefined) return reject(error);
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}
