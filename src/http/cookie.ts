/**
 * The value of one cookie in a `Cookie` header, read exactly as `cookie`'s `parse()` would read it
 * (pairs split on `;`, names and values trimmed of spaces and tabs, the first pair of a name wins,
 * quotes kept, `%` escapes decoded when valid), without building an object of every cookie: the
 * device cookie is read on every protected request, beside whatever else the app keeps in cookies.
 */
export function readCookie(header: string, name: string): string | undefined {
  const length = header.length;
  let index = 0;
  while (index < length) {
    const eq = header.indexOf('=', index);
    if (eq === -1) return undefined;
    let end = header.indexOf(';', index);
    if (end === -1) end = length;
    if (eq > end) {
      // A pair without `=` (`a; b=1`): its name runs to the `;` before this `=`.
      index = header.lastIndexOf(';', eq - 1) + 1;
      continue;
    }
    if (isName(header, index, eq, name)) return decode(trimmed(header, eq + 1, end));
    index = end + 1;
  }
  return undefined;
}

const blank = (code: number) => code === 0x20 || code === 0x09;

/** Whether `header[start, end)`, trimmed, is `name`: compared in place, no slice. */
function isName(header: string, start: number, end: number, name: string): boolean {
  while (start < end && blank(header.charCodeAt(start))) start++;
  while (end > start && blank(header.charCodeAt(end - 1))) end--;
  return end - start === name.length && header.startsWith(name, start);
}

function trimmed(header: string, start: number, end: number): string {
  while (start < end && blank(header.charCodeAt(start))) start++;
  while (end > start && blank(header.charCodeAt(end - 1))) end--;
  return header.slice(start, end);
}

function decode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
