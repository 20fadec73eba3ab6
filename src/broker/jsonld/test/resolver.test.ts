import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CORE_CONTEXT_DOCUMENT, CORE_CONTEXT_URL, DEFAULT_VOCAB, isCoreContextUrl } from '../core-context.ts';
import { ContextResolver } from '../resolver.ts';
import { rejectsWith } from './helpers.ts';

const NGSI = 'https://uri.etsi.org/ngsi-ld/';

describe('core @context', () => {
  it('should hold every term of annex B', () => {
    const ctx = CORE_CONTEXT_DOCUMENT['@context'];
    assert.equal(Object.keys(ctx).length, 206);
    assert.equal(ctx['@vocab'], DEFAULT_VOCAB);
    assert.equal(ctx['@protected'], true);
    assert.deepEqual(ctx.vocab, { '@id': 'ngsi-ld:hasVocab', '@type': '@vocab' });
    assert.deepEqual(ctx.problemDetails, { '@id': 'ngsi-ld:problemDetails', '@type': '@json' });
    assert.ok(Object.isFrozen(ctx));
  });

  it('should recognise every version alias of the core URL and nothing else', () => {
    for (const v of ['', '-v1.3', '-v1.4', '-v1.5', '-v1.6', '-v1.7', '-v1.8', '-v1.9']) {
      assert.ok(isCoreContextUrl(`https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context${v}.jsonld`), v);
    }
    assert.ok(isCoreContextUrl('http://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld'));
    assert.ok(!isCoreContextUrl('https://uri.etsi.org/ngsi-ld/v1/other.jsonld'));
    assert.ok(!isCoreContextUrl('https://evil.example/ngsi-ld/v1/ngsi-ld-core-context.jsonld'));
  });

  it('should resolve core URLs without any network access', async () => {
    const resolver = new ContextResolver({ allowUrl: () => assert.fail('no fetch expected') });
    for (const url of [CORE_CONTEXT_URL, 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.3.jsonld']) {
      const ctx = await resolver.resolve(url);
      assert.equal(ctx.expandTerm('location'), `${NGSI}location`);
      assert.equal(ctx.contextForResponse, url);
    }
  });
});

describe('ContextResolver term maps', () => {
  const resolver = new ContextResolver();

  it('should expand core terms, and unknown terms under the default vocabulary', async () => {
    const ctx = await resolver.core();
    assert.equal(ctx.key, 'core');
    assert.equal(ctx.contextForResponse, CORE_CONTEXT_URL);
    assert.equal(ctx.expandTerm('location'), `${NGSI}location`);
    assert.equal(ctx.expandTerm('observedAt'), `${NGSI}observedAt`);
    assert.equal(ctx.expandTerm('Property'), `${NGSI}Property`);
    assert.equal(ctx.expandTerm('description'), 'http://purl.org/dc/terms/description');
    assert.equal(ctx.expandTerm('Vehicle'), `${DEFAULT_VOCAB}Vehicle`);
    assert.equal(ctx.expandTerm('attributeCount'), `${DEFAULT_VOCAB}attributeCount`);
    assert.equal(ctx.expandTerm('ngsi-ld:foo'), `${NGSI}foo`);
    assert.equal(ctx.expandTerm('urn:ngsi-ld:Thing:1'), 'urn:ngsi-ld:Thing:1');
    assert.equal(ctx.expandTerm('https://example.org/speed'), 'https://example.org/speed');
  });

  it('should compact back to terms, bare default-vocabulary names, compact IRIs or full IRIs', async () => {
    const ctx = await resolver.core();
    assert.equal(ctx.compactIri(`${NGSI}location`), 'location');
    assert.equal(ctx.compactIri(`${NGSI}hasValue`), 'value');
    assert.equal(ctx.compactIri(`${DEFAULT_VOCAB}Vehicle`), 'Vehicle');
    assert.equal(ctx.compactIri(`${NGSI}somethingElse`), 'ngsi-ld:somethingElse');
    assert.equal(ctx.compactIri('https://example.org/speed'), 'https://example.org/speed');
    // A vocab-relative name that is also a term would expand to the term's IRI: not used.
    assert.equal(ctx.compactIri(`${DEFAULT_VOCAB}location`), 'ngsi-ld:default-context/location');
  });

  it('should apply user terms, prefixes and @id/@type definitions, with core terms winning', async () => {
    const ctx = await resolver.resolve({
      schema: 'https://schema.org/',
      name: 'schema:name',
      location: 'schema:location', // a core term: the core wins (clause 5.5.7)
      Vehicle: 'https://example.org/Vehicle',
      isParked: { '@id': 'https://example.org/isParked', '@type': '@id' },
      category: { '@id': 'https://example.org/category', '@type': '@vocab' },
    });
    assert.equal(ctx.expandTerm('name'), 'https://schema.org/name');
    assert.equal(ctx.expandTerm('location'), `${NGSI}location`);
    assert.equal(ctx.expandTerm('schema:location'), 'https://schema.org/location');
    assert.equal(ctx.expandTerm('schema:address'), 'https://schema.org/address');
    assert.equal(ctx.expandTerm('Vehicle'), 'https://example.org/Vehicle');
    assert.equal(ctx.expandTerm('isParked'), 'https://example.org/isParked');
    assert.equal(ctx.definition('isParked')?.type, '@id');
    assert.equal(ctx.expandTerm('speed'), `${DEFAULT_VOCAB}speed`);

    assert.equal(ctx.compactIri('https://schema.org/name'), 'name');
    assert.equal(ctx.compactIri('https://schema.org/location'), 'schema:location');
    assert.equal(ctx.compactIri('https://schema.org/address'), 'schema:address');
    assert.equal(ctx.compactIri('https://example.org/Vehicle'), 'Vehicle');
    assert.equal(ctx.compactIri(`${NGSI}location`), 'location');

    // VocabProperty values: the core "vocab" term is @type @vocab; so is the user's "category".
    assert.equal(ctx.expandValue('vocab', 'Vehicle'), 'https://example.org/Vehicle');
    assert.equal(ctx.compactValue('vocab', 'https://example.org/Vehicle'), 'Vehicle');
    assert.equal(ctx.expandValue('category', 'schema:Car'), 'https://schema.org/Car');
    assert.equal(ctx.expandValue('name', 'Vehicle'), 'Vehicle');
  });

  it('should use a user @vocab before the default vocabulary (the core @vocab is a fallback)', async () => {
    const ctx = await resolver.resolve({ '@vocab': 'https://example.org/vocab#' });
    assert.equal(ctx.expandTerm('speed'), 'https://example.org/vocab#speed');
    assert.equal(ctx.expandTerm('location'), `${NGSI}location`);
    assert.equal(ctx.compactIri('https://example.org/vocab#speed'), 'speed');
    assert.equal(ctx.compactIri(`${DEFAULT_VOCAB}speed`), 'ngsi-ld:default-context/speed');
  });

  it('should expand user terms defined relative to @vocab under the default vocabulary', async () => {
    const ctx = await resolver.resolve({ Parking: { '@type': '@id' } });
    assert.equal(ctx.expandTerm('Parking'), `${DEFAULT_VOCAB}Parking`);
  });

  it('should accept the core context anywhere in the array, even before terms it protects', async () => {
    const ctx = await resolver.resolve([CORE_CONTEXT_URL, { location: 'https://schema.org/location', speed: 'https://example.org/speed' }]);
    assert.equal(ctx.expandTerm('location'), `${NGSI}location`);
    assert.equal(ctx.expandTerm('speed'), 'https://example.org/speed');
  });

  it('should honour @protected within user contexts', async () => {
    await rejectsWith(
      resolver.resolve([{ '@protected': true, speed: 'https://a.example/speed' }, { speed: 'https://b.example/speed' }]),
      'BadRequestData',
      /protected term redefinition/,
    );
  });

  it('should refuse scoped contexts, malformed contexts and non-http URLs', async () => {
    await rejectsWith(resolver.resolve({ speed: { '@id': 'https://x.example/speed', '@context': {} } }), 'BadRequestData', /scoped/);
    await rejectsWith(resolver.resolve({ speed: 42 } as never), 'BadRequestData', /not a valid JSON-LD context/);
    await rejectsWith(resolver.resolve([42] as never), 'BadRequestData');
    await rejectsWith(resolver.resolve({ '@vocab': 7 } as never), 'BadRequestData');
    await rejectsWith(resolver.resolve('file:///etc/passwd'), 'BadRequestData', /not an http or https URL/);
    await rejectsWith(resolver.resolve('data:application/json,{}'), 'BadRequestData', /not an http or https URL/);
    await rejectsWith(resolver.resolve('relative/context.jsonld'), 'BadRequestData', /not an absolute URL/);
  });

  it('should process each distinct context once and reuse it', async () => {
    const a = await resolver.resolve({ b: 'https://example.org/b', a: 'https://example.org/a' });
    const b = await resolver.resolve({ a: 'https://example.org/a', b: 'https://example.org/b' });
    assert.equal(a, b, 'key order does not matter');
    assert.equal(a.key, '{"a":"https://example.org/a","b":"https://example.org/b"}');
    const [c, d] = await Promise.all([resolver.resolve({ z: 'https://example.org/z' }), resolver.resolve({ z: 'https://example.org/z' })]);
    assert.equal(c, d);
    assert.deepEqual(await resolver.resolve(undefined), await resolver.resolve([]));
  });

  it('should expand and compact quickly once resolved', async () => {
    const ctx = await resolver.resolve({ speed: 'https://example.org/speed' });
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      ctx.expandTerm('speed');
      ctx.expandTerm('location');
      ctx.compactIri('https://example.org/speed');
      ctx.compactIri(`${DEFAULT_VOCAB}other`);
    }
    assert.ok(performance.now() - started < 1000);
  });
});
