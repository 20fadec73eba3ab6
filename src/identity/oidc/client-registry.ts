// The services that may use the common ID (OIDC clients). Prefecture staff register them; each is
// owned by a tenant (the municipality or the prefecture running the service). A confidential
// client's secret is shown once and stored sealed (oidc-provider compares it in constant time and
// needs it in clear to do so). A suspended client can no longer sign anyone in or get tokens.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { AdapterPayload } from 'oidc-provider';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { IdentityDatabase, OidcClientMetadata } from '../db/schema.ts';

export const SCOPES = ['openid', 'profile', 'kana', 'birthdate', 'email', 'address', 'phone', 'residence', 'assurance', 'business', 'gateway', 'offline_access'] as const;
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

export interface ClientInput {
  lgCode: string;
  nameJa: string;
  nameEn: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: Array<(typeof GRANT_TYPES)[number]>;
  /** A public client (a browser or mobile app) has no secret and must use PKCE. */
  public: boolean;
  scope: string;
}

export interface RegisteredClient {
  clientId: string;
  lgCode: string;
  name: { ja: string; en: string };
  metadata: OidcClientMetadata;
  status: 'active' | 'suspended';
  createdAt: Date;
  version: number;
}

const secretContext = (clientId: string) => `identity_oidc_clients.secret:${clientId}`;

/** Problems with a redirect URI, or null. Exact strings are compared at login (no wildcards). */
export function redirectUriProblem(uri: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'not_absolute';
  }
  if (url.hash) return 'has_fragment';
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && local && !production) return null;
  return 'not_https';
}

export class ClientRegistry {
  /** Moves on every suspension, activation or new secret made through this registry (token-authenticator.ts). */
  changes = 0;

  constructor(
    private readonly db: IdentityDatabase,
    private readonly sealer: Sealer,
  ) {}

  /** `fixed` gives the demo seed's service a known id and secret; registrations never pass it. */
  async register(db: IdentityDatabase, input: ClientInput, createdBy: string, fixed?: { clientId: string; clientSecret: string }): Promise<{ clientId: string; clientSecret: string | null }> {
    const clientId = fixed?.clientId ?? `tsn-${randomBytes(9).toString('base64url')}`;
    const clientSecret = input.public ? null : (fixed?.clientSecret ?? randomBytes(32).toString('base64url'));
    await db
      .insertInto('identity_oidc_clients')
      .values({
        client_id: clientId,
        lg_code: input.lgCode,
        name_ja: input.nameJa,
        name_en: input.nameEn,
        metadata: JSON.stringify(toMetadata(input)),
        secret_sealed: clientSecret ? this.sealer.seal(clientSecret, secretContext(clientId)) : null,
        created_by: createdBy,
      })
      .execute();
    return { clientId, clientSecret };
  }

  async find(db: IdentityDatabase, clientId: string): Promise<RegisteredClient | undefined> {
    const row = await db.selectFrom('identity_oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row && toClient(row);
  }

  async list(db: IdentityDatabase, lgCodes: Set<string>): Promise<RegisteredClient[]> {
    if (lgCodes.size === 0) return [];
    const rows = await db.selectFrom('identity_oidc_clients').selectAll().where('lg_code', 'in', [...lgCodes]).orderBy('created_at').execute();
    return rows.map(toClient);
  }

  async setStatus(db: IdentityDatabase, clientId: string, status: 'active' | 'suspended'): Promise<boolean> {
    const result = await db
      .updateTable('identity_oidc_clients')
      .set({ status, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    this.changes += 1;
    return Number(result.numUpdatedRows) === 1;
  }

  async rotateSecret(db: IdentityDatabase, clientId: string): Promise<string | null> {
    const clientSecret = randomBytes(32).toString('base64url');
    const result = await db
      .updateTable('identity_oidc_clients')
      .set({ secret_sealed: this.sealer.seal(clientSecret, secretContext(clientId)), updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('client_id', '=', clientId)
      .where('secret_sealed', 'is not', null)
      .executeTakeFirst();
    this.changes += 1;
    return Number(result.numUpdatedRows) === 1 ? clientSecret : null;
  }

  /** What oidc-provider sees of a client (its adapter's find('Client')); nothing when suspended. */
  async providerMetadata(clientId: string): Promise<AdapterPayload | undefined> {
    const row = await this.db.selectFrom('identity_oidc_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    if (!row || row.status !== 'active') return undefined;
    return {
      client_id: row.client_id,
      client_name: row.name_ja,
      ...(row.secret_sealed ? { client_secret: this.sealer.open(row.secret_sealed, secretContext(row.client_id)) } : {}),
      ...row.metadata,
      tsunagu_lg_code: row.lg_code,
    } as AdapterPayload;
  }
}

function toMetadata(input: ClientInput): OidcClientMetadata {
  const interactive = input.grantTypes.includes('authorization_code');
  return {
    redirect_uris: interactive ? input.redirectUris : [],
    post_logout_redirect_uris: interactive ? input.postLogoutRedirectUris : [],
    grant_types: input.grantTypes,
    response_types: interactive ? ['code'] : [],
    token_endpoint_auth_method: input.public ? 'none' : 'client_secret_basic',
    scope: input.scope,
  };
}

function toClient(row: {
  client_id: string;
  lg_code: string;
  name_ja: string;
  name_en: string;
  metadata: OidcClientMetadata;
  status: 'active' | 'suspended';
  created_at: Date;
  version: number;
}): RegisteredClient {
  return { clientId: row.client_id, lgCode: row.lg_code, name: { ja: row.name_ja, en: row.name_en }, metadata: row.metadata, status: row.status, createdAt: row.created_at, version: row.version };
}
