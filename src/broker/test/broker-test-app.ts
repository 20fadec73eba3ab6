// Test helpers for the broker: a Tsunagu test app and small request shorthands for inject().
import { createTestApp, type TestApp } from '../../../test/helpers/test-database.ts';
import type { Config } from '../../platform/config.ts';

export { type TestApp };

export async function brokerTestApp(config: Partial<Config> = {}): Promise<TestApp> {
  return createTestApp({ config: { brokerAuth: false, ...config } });
}

export const CORE = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld';
export const DEFAULT = 'https://uri.etsi.org/ngsi-ld/default-context/';

export interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** inject() with JSON in and out; content-type application/json unless given. */
export async function call(t: TestApp, { method, url, body, headers = {} }: Call) {
  const res = await t.app.inject({
    method,
    url,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  let json: any;
  try {
    json = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, json, body: res.body };
}

export function building(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    type: 'Building',
    name: { type: 'Property', value: `Building ${id.split(':').pop()}` },
    height: { type: 'Property', value: 20, unitCode: 'MTR' },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [140.4748, 37.7608] } },
    ...extra,
  };
}
