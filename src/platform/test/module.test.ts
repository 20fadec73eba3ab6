import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineModule, orderModules } from '../module.ts';
import { installedModules } from '../../modules.ts';

describe('module registry', () => {
  it('orderModules should put each module after the modules it depends on', () => {
    const a = defineModule({ name: 'a', dependsOn: ['b'] });
    const b = defineModule({ name: 'b', dependsOn: ['c'] });
    const c = defineModule({ name: 'c' });
    assert.deepEqual(orderModules([a, b, c]).map((m) => m.name), ['c', 'b', 'a']);
  });

  it('orderModules should fail at start naming the module when a dependency is not installed', () => {
    assert.throws(() => orderModules([defineModule({ name: 'portal', dependsOn: ['identity'] })]), /"portal" depends on "identity", which is not installed/);
  });

  it('orderModules should fail naming the cycle when modules depend on each other', () => {
    const a = defineModule({ name: 'a', dependsOn: ['b'] });
    const b = defineModule({ name: 'b', dependsOn: ['a'] });
    assert.throws(() => orderModules([a, b]), /cycle: a → b → a/);
  });

  it('defineModule should refuse a name that is not kebab-case', () => {
    assert.throws(() => defineModule({ name: 'OptIn' }), /kebab-case/);
  });

  it('the installed modules should boot in a valid order', () => {
    const names = orderModules(installedModules).map((m) => m.name);
    assert.ok(names.indexOf('tenancy') < names.indexOf('authz'));
  });
});
