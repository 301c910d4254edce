import { expect } from 'chai';
import * as fc from 'fast-check';
import { createSharelock } from '../../src/index.js';
import { parseTarget } from '../../src/http/request.js';
import { isUnusual, routingForms } from '../../src/routes.js';

describe('request targets and routing', () => {
  it('reads the path of an absolute-form target as routers do', () => {
    expect(parseTarget('http://host.example/watch/1?t=3')).to.deep.equal({ path: '/watch/1', url: '/watch/1?t=3' });
    expect(parseTarget('HTTPS://host.example:8443')).to.deep.equal({ path: '/', url: '/' });
    expect(parseTarget('http://host.example?x')).to.deep.equal({ path: '/', url: '/?x' });
  });

  it('keeps the real path of a long URL', () => {
    const { path } = parseTarget(`/watch/1?${'q'.repeat(20_000)}`);
    expect(path).to.equal('/watch/1');
  });

  it('keeps a target that is no path as it is, so it is never taken for an unprotected path', () => {
    expect(parseTarget('*').path).to.equal('*');
    expect(parseTarget('watch/1').path).to.equal('watch/1');
  });

  it('lists the spellings a router may route alike', () => {
    expect(routingForms('/w%61tch/./1;x')).to.include('/watch/1');
    expect(routingForms('/kids/../watch//1')).to.include('/watch/1');
    expect(routingForms('/watch/%E0%A4%A')).to.include('/watch/%E0%A4%A');
  });

  it('protects a path when any of its spellings is protected, and excludes it only when all are excluded', () => {
    const guard = createSharelock({ secret: 'a-test-secret-that-is-long-enough-0123456789', identify: () => null, protect: ['/watch/*'], exclude: ['/watch/trailer'], logger: { warn: () => {}, error: () => {} } });
    expect(guard.match('GET', '/w%61tch/1')).not.to.equal(undefined);
    expect(guard.match('GET', '/watch/trailer')).to.equal(undefined);
    expect(guard.match('GET', '/watch/tr%61iler;x'), 'its raw spelling is not excluded').not.to.equal(undefined);
    expect(guard.match('GET', '/free/../watch/1')).not.to.equal(undefined);
    expect(guard.match('GET', 'watch/1'), 'not a path').to.equal(guard.config.defaultRoute);
    expect(guard.match('GET', '/free')).to.equal(undefined);
    void guard.close();
  });
});

describe('which paths are unusual (judged in every spelling)', () => {
  it('agrees with the regular expression it replaces, for any path (10 000 paths)', () => {
    const path = fc.string({ maxLength: 12, unit: fc.constantFrom('/', '.', '%', ';', 'a', 'B', '\n', '\r', '\u2028', '\u2029', ' ') });
    fc.assert(
      fc.property(path, (text) => {
        expect(isUnusual(text), JSON.stringify(text)).to.equal(/%|\/\/|\/\.|;|.\/$/.test(text));
      }),
      { seed: 0x5eed_0a11, numRuns: 10_000 },
    );
  });
});
