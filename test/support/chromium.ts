import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const BINARY = '/usr/bin/chromium';

// Flags for a container: no sandbox (often no user namespaces), no GPU, /tmp instead of a small
// /dev/shm, and no background traffic to Google that could slow or flake a test.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface HeadlessChromium {
  browser: Browser;
  /** Close the browser and every context in it. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Launch the system Chromium headless with playwright-core (no bundled browser download).
 * Installs it with apt-get when running as root; otherwise the error says what to run.
 */
export async function launchChromium(): Promise<HeadlessChromium> {
  ensureInstalled();
  const browser = await chromium.launch({ executablePath: BINARY, headless: true, args: ARGS });
  let closed = false;
  return {
    browser,
    close: async () => {
      if (closed) return;
      closed = true;
      await browser.close();
    },
  };
}

function ensureInstalled(): void {
  if (existsSync(BINARY)) return;
  if (process.getuid?.() !== 0) {
    throw new Error('sudo apt-get update && sudo apt-get install -y chromium');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  try {
    install();
  } catch {
    // A fresh machine may have no package lists yet, so `install` alone finds nothing.
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    install();
  }
  if (!existsSync(BINARY)) throw new Error(`apt-get installed chromium but ${BINARY} is still missing.`);
}
