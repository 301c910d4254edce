import { expect } from 'chai';
import * as fc from 'fast-check';
import { createSharelock } from '../../src/index.js';
import { parseTarget } from '../../src/http/request.js';
import { globWatch, normalisedSpellings, path, protectedSpelling, routedSpellings, routesToWatch, target, underKids } from './targets.js';
import { quietLogger, runs, SECRET } from './support.js';

describe('fuzz: request targets and paths (core)', () => {
  const guard = createSharelock({ secret: SECRET, identify: () => null, protect: ['/watch/*', '/kids/**'], logger: quietLogger });
  after(() => guard.close());

  it('judges every path a router routes to /watch/:id or under /kids, as sent or as Fastify decodes it (10 000 paths)', () => {
    fc.assert(
      fc.property(path, (p) => {
        const routed = routedSpellings(p).find((s) => routesToWatch(s) || underKids(s));
        if (routed !== undefined) expect(guard.match('GET', p), `${JSON.stringify(p)} is routed as ${JSON.stringify(routed)}`).not.to.equal(undefined);
      }),
      runs(0x5eed_0001, 10_000),
    );
  });

  it('judges every path some normalised spelling of which /watch/* or /kids/** covers (10 000 paths)', () => {
    fc.assert(
      fc.property(path, (p) => {
        const normalised = normalisedSpellings(p).find((s) => globWatch(s) || underKids(s));
        if (normalised !== undefined) expect(guard.match('GET', p), `${JSON.stringify(p)} normalises to ${JSON.stringify(normalised)}`).not.to.equal(undefined);
      }),
      runs(0x5eed_0002, 10_000),
    );
  });

  it('reads the path a router routes from every request target, whatever its form and length, and judges it (10 000 targets)', () => {
    fc.assert(
      fc.property(target, (t) => {
        const parsed = parseTarget(t.target);
        expect(parsed.path, t.target.slice(0, 80)).to.equal(t.path);
        expect(parsed.url.length, 'the query is kept whatever its length').to.equal(t.url.length);
        const spelling = protectedSpelling(t.path);
        if (spelling !== undefined) expect(guard.match('GET', parsed.path), `${JSON.stringify(t.target.slice(0, 80))} as ${JSON.stringify(spelling)}`).not.to.equal(undefined);
      }),
      runs(0x5eed_0003, 10_000),
    );
  });

  it('never throws on any string as a target, and judges one that is no path with the global options (10 000 strings)', () => {
    const pieces = fc.constantFrom('/', '.', '%', ';', '2', 'e', 'f', 'w', 'a', 't', 'c', 'h', 'W', '\\', '?', '#', ':', 'http', '\n', '\u2028');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300, unit: 'binary' }), fc.string({ maxLength: 40, unit: pieces })), (value) => {
        const parsed = parseTarget(value);
        expect(parsed.url.startsWith(parsed.path)).to.equal(true);
        const route = guard.match('GET', parsed.path);
        if (!parsed.path.startsWith('/')) expect(route).to.equal(guard.config.defaultRoute);
        expect(guard.match('OPTIONS', parsed.path), 'OPTIONS is never protected').to.equal(undefined);
      }),
      runs(0x5eed_0004, 10_000),
    );
  });
});
