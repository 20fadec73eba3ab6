import { sql, type Kysely } from 'kysely';

// Distributed subscriptions (clause 5.8.1.4): a registration written with an expiresAt ahead now
// queues a job due at that time, which deletes the remote subscriptions made under it once it
// has expired (distributed-subscriptions.ts). Registrations written before that have no such
// job: each one with an expiresAt and remote subscriptions gets it here (due at once if it has
// expired already), with the payload and dedupe key the broker itself writes (expiryJobKey).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    insert into platform_jobs (topic, payload, max_attempts, run_at, dedupe_key)
    select 'broker.distributed-subscriptions',
      jsonb_build_object('tenant', g.tenant, 'registrationId', g.id, 'expiry', g.body->>'expiresAt'),
      12, g.expires_at,
      'broker.distributed-subscriptions:expiry:' || g.tenant || ':' || g.id || ':' || floor(extract(epoch from g.expires_at) * 1000)::bigint
    from broker_registrations g
    where g.expires_at is not null and g.body ? 'expiresAt'
      and exists (select 1 from broker_remote_subscriptions r where r.tenant = g.tenant and r.registration_id = g.id)
    on conflict (dedupe_key) do nothing`.execute(db);
}

export async function down(): Promise<void> {
  // The jobs run (or ran) like any other; nothing to undo.
}
