import { strict as assert } from 'node:assert';
import { EndpointPool, SessionCache, joinHostPort, splitHostPort, type Resolver } from './upstream-pool';

/** A resolver whose answers the test sets, counting the questions. */
function fakeDns(answers: Record<string, string[] | Error>) {
  const asked: string[] = [];
  const resolver: Resolver = async (host) => {
    asked.push(host);
    const answer = answers[host];
    if (answer instanceof Error) throw answer;
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return { resolver, asked, answers };
}

const addressesOf = (pool: EndpointPool) => pool.current().map((e) => e.address);

describe('upstream instances: every address a name resolves to', () => {
  const sessions = new SessionCache();
  const pools: EndpointPool[] = [];
  const pool = (entries: string[], resolver: Resolver) => {
    const made = new EndpointPool(entries.map(splitHostPort), sessions, { resolver, refreshMs: 60_000, retireAfterMs: 10 });
    pools.push(made);
    return made;
  };
  after(() => {
    for (const p of pools) p.close();
    sessions.closeAll();
  });

  it('splits host:port, IPv6 in brackets, and refuses an entry without a port', () => {
    assert.deepEqual(splitHostPort('users:50051'), { host: 'users', port: '50051', entry: 'users:50051' });
    assert.deepEqual(splitHostPort('[::1]:9'), { host: '::1', port: '9', entry: '[::1]:9' });
    assert.throws(() => splitHostPort('users'), /not host:port/);
    assert.equal(joinHostPort('::1', '9'), '[::1]:9');
    assert.equal(joinHostPort('10.0.0.1', '9'), '10.0.0.1:9');
  });

  it('takes IP literals as they are, without asking the resolver', () => {
    const dns = fakeDns({});
    const p = pool(['10.0.0.1:50051', '[fd00::1]:50051'], dns.resolver);
    assert.deepEqual(addressesOf(p), ['10.0.0.1:50051', '[fd00::1]:50051']);
    assert.deepEqual(dns.asked, []);
  });

  it('spreads calls round-robin over every address of a name (a headless Service: every pod)', async () => {
    const dns = fakeDns({ 'users.shop.svc': ['10.0.0.7', '10.0.0.5', '10.0.0.6'] });
    const p = pool(['users.shop.svc:50051'], dns.resolver);
    const first = await p.ready();
    assert.ok(first);
    const picks = [first.address, ...Array.from({ length: 5 }, () => p.next()!.address)];
    assert.deepEqual(new Set(picks), new Set(['10.0.0.5:50051', '10.0.0.6:50051', '10.0.0.7:50051']));
    for (const address of new Set(picks)) assert.equal(picks.filter((a) => a === address).length, 2, 'each instance gets its share');
  });

  it('follows the answer as pods come and go, and keeps the last answer when the resolver fails', async () => {
    const dns = fakeDns({ 'orders.shop.svc': ['10.0.1.1'] });
    const p = pool(['orders.shop.svc:50051'], dns.resolver);
    await p.ready();
    assert.deepEqual(addressesOf(p), ['10.0.1.1:50051']);
    dns.answers['orders.shop.svc'] = ['10.0.1.1', '10.0.1.2'];
    await p.refresh();
    assert.deepEqual(addressesOf(p), ['10.0.1.1:50051', '10.0.1.2:50051']);
    const kept = p.current()[0];
    dns.answers['orders.shop.svc'] = ['10.0.1.2'];
    await p.refresh();
    assert.deepEqual(addressesOf(p), ['10.0.1.2:50051']);
    dns.answers['orders.shop.svc'] = new Error('SERVFAIL');
    await p.refresh();
    assert.deepEqual(addressesOf(p), ['10.0.1.2:50051'], 'a failed lookup is not an empty answer');
    await new Promise((resolve) => setTimeout(resolve, 30)); // past retireAfterMs: its session is closed
    dns.answers['orders.shop.svc'] = ['10.0.1.1', '10.0.1.2'];
    await p.refresh();
    assert.equal(p.current()[0].address, '10.0.1.1:50051');
    assert.notEqual(p.current()[0].session, kept.session, 'a retired instance comes back with a new session');
    assert.equal(p.current()[1].address, '10.0.1.2:50051');
  });

  it('shares one session per address between services', async () => {
    const dns = fakeDns({ 'mesh.local': ['10.0.2.1'] });
    const a = pool(['mesh.local:7000'], dns.resolver);
    const b = pool(['10.0.2.1:7000'], dns.resolver);
    await a.ready();
    assert.equal(a.current()[0].session, b.current()[0].session);
  });

  it('has no instance for a name that never resolved', async () => {
    const p = pool(['nowhere.invalid:1'], fakeDns({}).resolver);
    assert.equal(await p.ready(), undefined);
    assert.equal(p.configured, true);
  });
});
