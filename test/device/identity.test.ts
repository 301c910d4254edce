import { expect } from 'chai';
import { DeviceIdentity } from '../../src/device/identity.js';

const config = (...secrets: string[]) => ({ secrets: secrets.map((s) => Buffer.from(s)), cookie: { name: 'sl_device', maxAgeMs: 400 * 86_400_000, secure: 'auto' as const } });
const OLD = 'old-secret-old-secret-old-secret-0000';
const NEW = 'new-secret-new-secret-new-secret-1111';
const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

describe('device identity', () => {
  it('mints a random 128-bit id in a signed cookie and reads it back', () => {
    const identity = new DeviceIdentity(config(NEW));
    const minted = identity.resolve(undefined, false);
    expect(Buffer.from(minted.deviceId, 'base64url')).to.have.length(16);
    expect(minted.setCookie).to.match(/^sl_device=[\w-]{22}\.[\w-]{22}; Max-Age=34560000; Path=\/; HttpOnly; SameSite=Lax$/);
    const again = identity.resolve(cookieOf(minted.setCookie!), false);
    expect(again).to.deep.equal({ deviceId: minted.deviceId, value: minted.value });
    expect(cookieOf(minted.setCookie!)).to.equal(`sl_device=${minted.value}`);
    expect(identity.resolve(undefined, false).deviceId).not.to.equal(minted.deviceId);
  });

  it('treats forged, truncated and garbled cookies as a new device', () => {
    const identity = new DeviceIdentity(config(NEW));
    const real = cookieOf(identity.resolve(undefined, false).setCookie!);
    const [name, value] = real.split('=') as [string, string];
    const [id, mac] = value.split('.') as [string, string];
    const other = id.startsWith('A') ? `B${id.slice(1)}` : `A${id.slice(1)}`;
    for (const bad of [`${name}=${other}.${mac}`, `${name}=${id}.${mac.slice(0, 10)}`, `${name}=${id}`, `${name}=%E0%A4%A`, `${name}="${'x'.repeat(5000)}`, '=;=;;', `${name}=${id}.${mac}x`]) {
      const resolved = identity.resolve(bad, false);
      expect(resolved.deviceId, bad.slice(0, 40)).not.to.equal(id);
      expect(resolved.setCookie).to.be.a('string');
    }
    expect(new DeviceIdentity(config(OLD)).read(real), 'another key').to.equal(undefined);
  });

  it('rotates keys: an old signature still verifies and is renewed', () => {
    const before = new DeviceIdentity(config(OLD));
    const old = before.resolve(undefined, false);
    const after = new DeviceIdentity(config(NEW, OLD));
    const renewed = after.resolve(cookieOf(old.setCookie!), false);
    expect(renewed.deviceId).to.equal(old.deviceId);
    expect(renewed.setCookie).to.be.a('string').and.not.equal(old.setCookie);
    expect(after.resolve(cookieOf(renewed.setCookie!), false)).to.deep.equal({ deviceId: old.deviceId, value: renewed.value });
  });

  it('is Secure with the __Host- prefix except on plain-http localhost', () => {
    const identity = new DeviceIdentity(config(NEW));
    expect(identity.isSecure(false, 'localhost:3000')).to.equal(false);
    expect(identity.isSecure(false, '127.0.0.1:8080')).to.equal(false);
    expect(identity.isSecure(false, 'shop.example')).to.equal(true);
    expect(identity.isSecure(true, 'localhost')).to.equal(true);
    expect(identity.resolve(undefined, true).setCookie).to.match(/^__Host-sl_device=.*; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  });
});
