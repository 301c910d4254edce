/**
 * FNV-1a, 32 bits, over a string's UTF-16 code units: to tell values apart cheaply where a rare
 * collision only costs a skipped or repeated write, never a verdict. `seed` continues a hash:
 * `fnv1a32(b, fnv1a32(a))` is `fnv1a32(a + b)`.
 */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
