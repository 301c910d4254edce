import { Device } from './cookie-jar.js';

/**
 * What `npm start` shows: three devices share the paying account "dana" (limit 2 devices), and
 * three devices share the free account "free-fred", which sharelock leaves alone.
 */
export async function runDemo(base: string): Promise<void> {
  const lines = ['', 'sharelock at work — three devices per account opening /watch/1 (the plan allows 2):'];
  for (const user of ['dana', 'free-fred']) {
    for (let n = 1; n <= 3; n++) {
      const device = new Device(base, { 'user-agent': `Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0 demo-${n}` });
      await device.login(user);
      const response = await device.request('/watch/1');
      const location = response.headers.get('location');
      lines.push(`  ${user.padEnd(9)} device ${n}: ${response.status}${location ? ` → ${location}` : ''}${location?.includes('/challenge/') ? '   (challenged: over the device limit)' : ''}`);
    }
  }
  lines.push(
    '',
    `Try it in a browser: log in as "alice" at ${base}/login in two browsers (or profiles), open ${base}/watch/1 in each,`,
    `then in a third (a private window): you get the challenge. Choose "I'm the owner", read the code at ${base}/dev/outbox,`,
    'log one device out, and that device is sent to /logout on its next request.',
    `The sharing dashboard: log in as "admin" and open ${base}/admin/sharing (everyone else gets a 403).`,
    '',
  );
  console.log(lines.join('\n'));
}
