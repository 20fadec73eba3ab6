// The gateway's side of a data provider of kind `broker`: residents' personal data held as
// NGSI-LD entities in the City OS broker (types flagged personal, which the NGSI-LD API never
// serves). After the same consent check as for any provider, the gateway reads in-process:
//   GET /gateway/{provider}/entities[?type=&limit=&offset=&format=keyValues]
//   GET /gateway/{provider}/entities/{entityId}
// and answers only the resident's own entities (their owner Relationship names
// urn:ngsi-ld:Person:<the resident's subject>), each with only the consented attributes.
import type { OptinContext } from '../optin-context.ts';

export type BrokerAnswer =
  | { kind: 'ok'; body: unknown; total?: number }
  | { kind: 'no_record' }
  | { kind: 'bad_request'; ja: string; en: string };

const MAX_LIMIT = 1000;

function whole(value: string | null, fallback: number, min: number, max: number): number | undefined {
  if (value === null) return fallback;
  if (!/^\d{1,7}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

export async function readFromBroker(
  ctx: OptinContext,
  provider: { id: string; lgCode: string },
  accountId: string,
  items: string[],
  path: string,
  query: URLSearchParams,
): Promise<BrokerAnswer> {
  const match = /^\/entities(?:\/([^/]+))?\/?$/.exec(path);
  if (!match) return { kind: 'bad_request', ja: 'このデータ提供元のパスは /entities か /entities/{id} です', en: 'This provider serves /entities and /entities/{id}' };
  const limit = whole(query.get('limit'), 20, 1, MAX_LIMIT);
  const offset = whole(query.get('offset'), 0, 0, 10_000_000);
  if (limit === undefined || offset === undefined) return { kind: 'bad_request', ja: `limit は 1〜${MAX_LIMIT}、offset は 0 以上の整数です`, en: `limit is a whole number from 1 to ${MAX_LIMIT}; offset is a whole number from 0` };
  const format = query.get('format') ?? (query.getAll('options').join(',').split(',').includes('keyValues') ? 'keyValues' : 'normalized');
  if (!['normalized', 'keyValues', 'simplified', 'concise'].includes(format)) return { kind: 'bad_request', ja: 'format は normalized、concise、keyValues のどれかです', en: 'format is normalized, concise or keyValues' };
  const result = await ctx.broker.readPersonalEntities(ctx.app, {
    tenant: provider.lgCode,
    providerId: provider.id,
    accountId,
    items,
    id: match[1],
    type: query.get('type') ?? undefined,
    limit,
    offset,
    representation: format === 'keyValues' || format === 'simplified' ? 'simplified' : format === 'concise' ? 'concise' : 'normalized',
  });
  if (result.kind === 'unknown_type') return { kind: 'bad_request', ja: 'type はこのデータ提供元のエンティティ型ではありません', en: "type is not one of this provider's entity types" };
  if (result.kind === 'not_found') return { kind: 'no_record' };
  if (result.kind === 'entity') return { kind: 'ok', body: result.entity };
  return { kind: 'ok', body: result.entities, total: result.total };
}
