// mergeEntities (clauses 4.3.6.2, 4.3.6.3, 4.5.5.3): how the answers of sources combine with
// the local entities, per registration mode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredAttribute, StoredEntity } from '../../entities/stored-entity.ts';
import { mergeEntities, type RemoteEntity } from '../federation.ts';

const V = 'https://uri.etsi.org/ngsi-ld/default-context/';
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-06-01T00:00:00.000Z';

function attr(value: unknown, extra: Partial<StoredAttribute> = {}): StoredAttribute[] {
  return [{ type: 'Property', value, createdAt: T0, modifiedAt: T0, ...extra }];
}

function entity(id: string, attrs: Record<string, StoredAttribute[]>, types = [`${V}Shelter`]): StoredEntity {
  return { tenant: 't', id, types, scopes: null, attrs, createdAt: T0, modifiedAt: T0 };
}

function remote(e: StoredEntity, mode: RemoteEntity['mode'] = 'inclusive', registeredAttrs?: string[]): RemoteEntity {
  return { entity: e, mode, registration: 'urn:x:r', registeredAttrs: registeredAttrs ? new Set(registeredAttrs) : undefined };
}

describe('mergeEntities', () => {
  it('should union entities sorted by id, and attributes and types of the same entity', () => {
    const local = [entity('urn:e:2', { [`${V}name`]: attr('local') })];
    const merged = mergeEntities(local, [
      remote(entity('urn:e:1', { [`${V}a`]: attr(1) })),
      remote(entity('urn:e:2', { [`${V}capacity`]: attr(5) }, [`${V}Shelter`, `${V}School`])),
    ]);
    assert.deepEqual(merged.map((e) => e.id), ['urn:e:1', 'urn:e:2']);
    assert.deepEqual(Object.keys(merged[1]!.attrs).sort(), [`${V}capacity`, `${V}name`]);
    assert.deepEqual(merged[1]!.types, [`${V}Shelter`, `${V}School`]);
    assert.equal(local[0]!.attrs[`${V}capacity`], undefined, 'the local entity is not modified');
  });

  it('should keep the later observedAt, then the later modifiedAt, and the local instance on a tie; datasetIds stay apart', () => {
    const local = [entity('urn:e:1', {
      [`${V}a`]: attr('local-old', { observedAt: T0 }),
      [`${V}b`]: attr('local-new', { modifiedAt: T1 }),
      [`${V}c`]: attr('local-tie'),
      [`${V}d`]: attr('local-default'),
    })];
    const merged = mergeEntities(local, [remote(entity('urn:e:1', {
      [`${V}a`]: attr('remote-new', { observedAt: T1 }),
      [`${V}b`]: attr('remote-old'),
      [`${V}c`]: attr('remote-tie'),
      [`${V}d`]: attr('remote-ds', { datasetId: 'urn:ds:1' }),
    }))])[0]!;
    assert.equal(merged.attrs[`${V}a`]![0]!.value, 'remote-new');
    assert.equal(merged.attrs[`${V}b`]![0]!.value, 'local-new');
    assert.equal(merged.attrs[`${V}c`]![0]!.value, 'local-tie');
    assert.deepEqual(merged.attrs[`${V}d`]!.map((i) => i.value), ['local-default', 'remote-ds']);
  });

  it('should take the registered attributes of an exclusive registration only from the source', () => {
    const local = [entity('urn:e:1', { [`${V}capacity`]: attr(1, { observedAt: T1 }), [`${V}name`]: attr('local') })];
    const merged = mergeEntities(local, [remote(entity('urn:e:1', { [`${V}capacity`]: attr(99, { observedAt: T0 }) }), 'exclusive', [`${V}capacity`])])[0]!;
    assert.equal(merged.attrs[`${V}capacity`]![0]!.value, 99);
    assert.equal(merged.attrs[`${V}name`]![0]!.value, 'local');
  });

  it('should let an auxiliary source only add attributes and entities nobody else gave', () => {
    const local = [entity('urn:e:1', { [`${V}capacity`]: attr(1) })];
    const merged = mergeEntities(local, [
      remote(entity('urn:e:1', { [`${V}capacity`]: attr(99, { observedAt: T1 }), [`${V}note`]: attr('aux') }), 'auxiliary'),
      remote(entity('urn:e:1', { [`${V}name`]: attr('inclusive') }), 'inclusive'),
      remote(entity('urn:e:1', { [`${V}name`]: attr('aux-name', { observedAt: T1 }) }), 'auxiliary'),
      remote(entity('urn:e:3', { [`${V}x`]: attr(3) }), 'auxiliary'),
    ]);
    assert.deepEqual(merged.map((e) => e.id), ['urn:e:1', 'urn:e:3']);
    assert.equal(merged[0]!.attrs[`${V}capacity`]![0]!.value, 1);
    assert.equal(merged[0]!.attrs[`${V}note`]![0]!.value, 'aux');
    assert.equal(merged[0]!.attrs[`${V}name`]![0]!.value, 'inclusive');
  });
});
