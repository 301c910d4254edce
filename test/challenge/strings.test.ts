import { expect } from 'chai';
import { DEFAULT_STRINGS } from '../../src/index.js';
import { counted } from '../../src/challenge/strings.js';

describe('challenge strings', () => {
  it('counts in English: 1 device, 0 and 3 devices, and the same for attempts, seconds, minutes and hours', () => {
    const counts = (noun: Parameters<typeof counted>[1]) => [0, 1, 3].map((n) => counted(DEFAULT_STRINGS, noun, n));
    expect(counts('devices')).to.deep.equal(['0 devices', '1 device', '3 devices']);
    expect(counts('attempts')).to.deep.equal(['0 attempts', '1 attempt', '3 attempts']);
    expect(counts('seconds')).to.deep.equal(['0 seconds', '1 second', '3 seconds']);
    expect(counts('minutes')).to.deep.equal(['0 minutes', '1 minute', '3 minutes']);
    expect(counts('hours')).to.deep.equal(['0 hours', '1 hour', '3 hours']);
  });

  it("counts in the app's own words, the number anywhere or not at all", () => {
    const strings = { ...DEFAULT_STRINGS, devicesOne: 'un appareil', devicesOther: '{count} appareils' };
    expect([1, 2].map((n) => counted(strings, 'devices', n))).to.deep.equal(['un appareil', '2 appareils']);
  });
});
