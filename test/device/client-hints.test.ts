import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createSharelock, type Identity } from '../../src/index.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

function app(clientHints?: boolean | 'critical') {
  const guard = createSharelock<Identity>({ secret: SECRET, identify: () => ({ id: 'alice' }), ...(clientHints !== undefined ? { clientHints } : {}), logger: { warn: () => {}, error: () => {} } });
  return express().get('/watch', guard.protect(), (_req, res) => {
    res.send('ok');
  });
}

describe('Client Hints option', () => {
  it('asks Chromium browsers for the model and form factor on guarded pages', async () => {
    const res = await request(app(true)).get('/watch').expect(200);
    expect(res.headers['accept-ch']).to.equal('Sec-CH-UA-Model, Sec-CH-UA-Form-Factors');
    expect(res.headers['critical-ch']).to.equal(undefined);
  });

  it("makes them critical with 'critical', so the first page load is retried with them", async () => {
    const res = await request(app('critical')).get('/watch').expect(200);
    expect(res.headers['critical-ch']).to.equal('Sec-CH-UA-Model, Sec-CH-UA-Form-Factors');
  });

  it('adds no header by default', async () => {
    const res = await request(app()).get('/watch').expect(200);
    expect(res.headers['accept-ch']).to.equal(undefined);
  });

  it('refuses a value it does not know, naming the option', () => {
    expect(() => createSharelock({ secret: SECRET, identify: () => null, clientHints: 'yes' as never })).to.throw(/clientHints/);
    expect(() => createSharelock({ secret: SECRET, identify: () => null, consoleType: 'console' as never })).to.throw(/consoleType.*'tv'/);
  });
});
