// oidc-provider's storage on the platform database (PGlite or PostgreSQL), so sessions, codes and
// tokens survive a restart and are shared by every process. Clients are not stored here: they
// come from the client registry (client-registry.ts), which prefecture staff manage.
import { sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { IdentityDatabase } from '../db/schema.ts';
import type { ClientRegistry } from './client-registry.ts';

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export function adapterFactory(db: IdentityDatabase, clients: ClientRegistry) {
  return class DatabaseAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        payload: JSON.stringify(payload),
        grant_id: GRANTABLE.has(this.model) ? (payload.grantId ?? null) : null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        // Sessions and grants are found by account when a person logs out everywhere.
        account_id: (payload.accountId as string | undefined) ?? null,
        expires_at: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      };
      await db
        .insertInto('identity_oidc_models')
        .values({ model: this.model, id, consumed_at: null, ...row })
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients.providerMetadata(id);
      return this.#findBy('id', id);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('uid', uid);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('user_code', userCode);
    }

    async consume(id: string): Promise<void> {
      await db.updateTable('identity_oidc_models').set({ consumed_at: sql<Date>`now()` }).where('model', '=', this.model).where('id', '=', id).execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('identity_oidc_models').where('model', '=', this.model).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('identity_oidc_models').where('grant_id', '=', grantId).execute();
    }

    async #findBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('identity_oidc_models')
        .select(['payload', 'consumed_at'])
        .where('model', '=', this.model)
        .where(column, '=', value)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
        .executeTakeFirst();
      if (!row) return undefined;
      return { ...row.payload, ...(row.consumed_at ? { consumed: Math.floor(row.consumed_at.getTime() / 1000) } : {}) } as AdapterPayload;
    }
  };
}

/** Ends the provider's own sessions of an account (our logout and "log out everywhere"). */
export async function endProviderSessions(db: IdentityDatabase, accountId: string): Promise<void> {
  await db.deleteFrom('identity_oidc_models').where('model', '=', 'Session').where('account_id', '=', accountId).execute();
}

/** Removes what has expired; run from time to time (the job in module.ts). */
export async function purgeExpired(db: IdentityDatabase): Promise<number> {
  const result = await db.deleteFrom('identity_oidc_models').where('expires_at', '<', sql<Date>`now() - interval '1 hour'`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
