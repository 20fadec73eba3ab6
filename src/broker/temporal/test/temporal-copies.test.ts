// A history held by this broker and by a source (an inclusive copy, or two parties observing
// the same thing) is merged by instance: a copy is shown once even when the source keeps a
// value's keys in another order, and two instances that differ in anything are both shown. A
// plain HTTP server (ports 5371–5379) stands in for a source that is not this broker.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { brokerTestApp, call, type TestApp } from '../../test/broker-test-app.ts';
import { freePort } from '../../../../test/helpers/server-process.ts';

const T = '/ngsi-ld/v1/temporal/entities';
const R = '/ngsi-ld/v1/csourceRegistrations';

describe('temporal instances held here and at a source', () => {
  let t: TestApp;
  let server: http.Server;
  let url: string;
  /** What the source answers a GET with, given what was POSTed to it (undefined: nothing). */
  let held: (posted: Record<string, unknown> | undefined) => unknown = () => undefined;
  let posted: Record<string, unknown> | undefined;

  const register = async (id: string, body: Record<string, unknown>) => {
    const res = await call(t, { method: 'POST', url: R, body: { id, type: 'ContextSourceRegistration', endpoint: url, ...body } });
    assert.equal(res.status, 201, res.body);
  };

  before(async () => {
    t = await brokerTestApp();
    const port = await freePort(5371, 5380);
    url = `http://127.0.0.1:${port}`;
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        if (req.method === 'POST') {
          posted = JSON.parse(text) as Record<string, unknown>;
          return res.writeHead(201).end();
        }
        const answer = held(posted);
        if (answer === undefined) return res.writeHead(404).end();
        const list = new URL(req.url!, url).pathname.endsWith('/temporal/entities');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list ? [answer] : answer));
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });

  after(async () => {
    await t?.close();
    await new Promise((r) => server?.close(r));
  });

  it('should show once an instance copied to a source that keeps the value object in its own key order, sub-attributes and all', async () => {
    await register('urn:ngsi-ld:ContextSourceRegistration:copy', { mode: 'inclusive', operations: ['upsertTemporal', 'retrieveTemporal', 'queryTemporal'], information: [{ entities: [{ type: 'Station' }] }] });
    // The source keeps what it was sent as it was sent, with its own instanceIds.
    held = (copy) => copy && { ...copy, reading: (copy.reading as object[]).map((i, n) => ({ ...i, instanceId: `urn:ngsi-ld:src:${n}` })) };
    const up = await call(t, { method: 'POST', url: T, body: { id: 'urn:ngsi-ld:Station:k1', type: 'Station', reading: [{ type: 'Property', value: { temperature: 21, rh: 40 }, observedAt: '2024-05-01T00:00:00Z', accuracy: { type: 'Property', value: 0.5 } }] } });
    assert.equal(up.status, 201, up.body);
    assert.ok(posted, 'the copy was sent');
    const res = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Station:k1` });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.reading.length ?? 1, 1, res.body);
  });

  it('should keep two instances with the same value and observedAt when their sub-attributes differ', async () => {
    await register('urn:ngsi-ld:ContextSourceRegistration:two', { operations: ['retrieveTemporal', 'queryTemporal'], information: [{ entities: [{ type: 'Gauge' }] }] });
    const reading = (by: string, instanceId?: string) => ({ type: 'Property', value: 7, observedAt: '2024-05-01T00:00:00Z', measuredBy: { type: 'Relationship', object: `urn:ngsi-ld:Device:${by}` }, ...(instanceId ? { instanceId } : {}) });
    held = () => ({ id: 'urn:ngsi-ld:Gauge:g', type: 'Gauge', level: [reading('remote', 'urn:ngsi-ld:src:1')] });
    const made = await call(t, { method: 'POST', url: `${T}?local=true`, body: { id: 'urn:ngsi-ld:Gauge:g', type: 'Gauge', level: [reading('local')] } });
    assert.equal(made.status, 201, made.body);
    const res = await call(t, { method: 'GET', url: `${T}/urn:ngsi-ld:Gauge:g` });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json.level.map((i: { measuredBy: { object: string } }) => i.measuredBy.object).sort(), ['urn:ngsi-ld:Device:local', 'urn:ngsi-ld:Device:remote']);
  });
});
