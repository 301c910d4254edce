import ipaddr from 'ipaddr.js';

/**
 * A minimal MaxMind DB (format 2.0) writer, for tests: GeoLite2 cannot be downloaded here and no
 * maintained writer is published on npm. It writes a 24-bit-record search tree, the data section and
 * the metadata, as the spec describes (maxmind.github.io/MaxMind-DB). Networks nested in a network
 * inserted before them override it; numbers that are integers are stored unsigned (or int32 when
 * negative), others as doubles.
 */
export type MmdbValue = string | number | boolean | bigint | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbSpec {
  /** 6 (default) stores IPv4 under ::/96, as GeoLite2 does; 4 holds IPv4 only. */
  ipVersion?: 4 | 6;
  databaseType?: string;
  networks: [cidr: string, record: MmdbValue][];
}

interface TreeNode {
  children: [Slot, Slot];
}
type Slot = TreeNode | { data: number } | undefined;

export function buildMmdb({ ipVersion = 6, databaseType = 'Sharelock-Test', networks }: MmdbSpec): Buffer {
  const root: TreeNode = { children: [undefined, undefined] };
  const data: Buffer[] = [];
  let dataLength = 0;
  for (const [cidr, record] of networks) {
    const encoded = encode(record);
    insert(root, bitsOf(cidr, ipVersion), { data: dataLength });
    data.push(encoded);
    dataLength += encoded.length;
  }

  // Number the nodes breadth first; the root is node 0.
  const order: TreeNode[] = [root];
  const ids = new Map<TreeNode, number>([[root, 0]]);
  for (let i = 0; i < order.length; i++) {
    for (const child of order[i]!.children) {
      if (child && 'children' in child && !ids.has(child)) {
        ids.set(child, order.length);
        order.push(child);
      }
    }
  }
  const nodeCount = order.length;
  const tree = Buffer.alloc(nodeCount * 6);
  order.forEach((node, i) => {
    node.children.forEach((child, side) => {
      // A record points to a node, to "no data" (nodeCount) or past the 16-byte separator into the data.
      const value = child === undefined ? nodeCount : 'children' in child ? ids.get(child)! : nodeCount + 16 + child.data;
      tree.writeUIntBE(value, i * 6 + side * 3, 3);
    });
  });

  const metadata = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(Math.floor(Date.UTC(2026, 0, 1) / 1000)),
    database_type: databaseType,
    description: { en: 'sharelock test database' },
    ip_version: ipVersion,
    languages: ['en'],
    node_count: nodeCount,
    record_size: 24,
  });
  const marker = Buffer.concat([Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com')]);
  return Buffer.concat([tree, Buffer.alloc(16), ...data, marker, metadata]);
}

function bitsOf(cidr: string, ipVersion: 4 | 6): number[] {
  const [address, prefix] = ipaddr.parseCIDR(cidr);
  let bytes = address.toByteArray();
  let length = prefix;
  if (address.kind() === 'ipv4' && ipVersion === 6) {
    bytes = [...new Array<number>(12).fill(0), ...bytes];
    length += 96;
  } else if (address.kind() === 'ipv6' && ipVersion === 4) {
    throw new Error(`${cidr} does not fit an IPv4 database`);
  }
  const bits: number[] = [];
  for (let i = 0; i < length; i++) bits.push((bytes[i >> 3]! >> (7 - (i & 7))) & 1);
  return bits;
}

function insert(root: TreeNode, bits: number[], leaf: { data: number }): void {
  let node = root;
  for (const bit of bits.slice(0, -1)) {
    let child = node.children[bit as 0 | 1];
    if (!child || !('children' in child)) {
      // Splitting a shorter network: both halves keep its data until overridden.
      child = { children: [child, child] };
      node.children[bit as 0 | 1] = child;
    }
    node = child;
  }
  node.children[bits.at(-1) as 0 | 1] = leaf;
}

const enum Type {
  String = 2,
  Double = 3,
  Uint16 = 5,
  Uint32 = 6,
  Map = 7,
  Int32 = 8,
  Uint64 = 9,
  Array = 11,
  Boolean = 14,
}

function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(Type.String, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(Type.Boolean, value ? 1 : 0);
  if (typeof value === 'bigint') {
    const bytes = unsigned(value);
    return Buffer.concat([control(Type.Uint64, bytes.length), bytes]);
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff) {
      const bytes = unsigned(BigInt(value));
      return Buffer.concat([control(value <= 0xffff ? Type.Uint16 : Type.Uint32, bytes.length), bytes]);
    }
    if (Number.isInteger(value) && value < 0 && value >= -0x8000_0000) {
      const bytes = Buffer.alloc(4);
      bytes.writeInt32BE(value);
      return Buffer.concat([control(Type.Int32, 4), bytes]);
    }
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return Buffer.concat([control(Type.Double, 8), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(Type.Array, value.length), ...value.map(encode)]);
  const entries = Object.entries(value);
  return Buffer.concat([control(Type.Map, entries.length), ...entries.flatMap(([key, item]) => [encode(key), encode(item)])]);
}

/** The control byte(s): type in the top 3 bits (0 and a second byte for extended types), then the size. */
function control(type: Type, size: number): Buffer {
  const sizeBytes: number[] = [];
  let sizeBits = size;
  if (size >= 65_821) [sizeBits, sizeBytes[0], sizeBytes[1], sizeBytes[2]] = [31, (size - 65_821) >> 16, ((size - 65_821) >> 8) & 0xff, (size - 65_821) & 0xff];
  else if (size >= 285) [sizeBits, sizeBytes[0], sizeBytes[1]] = [30, (size - 285) >> 8, (size - 285) & 0xff];
  else if (size >= 29) [sizeBits, sizeBytes[0]] = [29, size - 29];
  const head = type <= 7 ? [(type << 5) | sizeBits] : [sizeBits, type - 7];
  return Buffer.from([...head, ...sizeBytes]);
}

function unsigned(value: bigint): Buffer {
  const bytes: number[] = [];
  for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
  return Buffer.from(bytes);
}
