// The broker's @context storage (clause 5.13), table broker_jsonld_contexts:
//   Hosted            added by a client (POST /jsonldContexts), served at the broker's own URL;
//   Cached            fetched by the broker from a client-named URL, kept to avoid refetching;
//   ImplicitlyCreated made by the broker itself (e.g. an @context array that has to be named by one
//                     URL in a notification's Link header), served like Hosted.
// `url` is the original URL for Cached entries and null for the others (their URL is derived from
// the broker's public URL, which may change). `hits` counts loads from this table; term maps are
// cached in memory, so it is not a count of requests.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

export const CONTEXT_KINDS = ['Hosted', 'Cached', 'ImplicitlyCreated'] as const;
export type ContextKind = (typeof CONTEXT_KINDS)[number];

export interface StoredContext {
  id: string;
  url: string | null;
  kind: ContextKind;
  /** The stored document, `{ "@context": … }`. */
  body: Record<string, unknown>;
  createdAt: Date;
  lastUsedAt: Date | null;
  hits: number;
}

interface Row {
  id: string;
  url: string | null;
  kind: ContextKind;
  body: unknown;
  created_at: Date | string;
  last_used_at: Date | string | null;
  hits: number;
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function fromRow(row: Row): StoredContext {
  return {
    id: row.id,
    url: row.url,
    kind: row.kind,
    body: (typeof row.body === 'string' ? JSON.parse(row.body) : row.body) as Record<string, unknown>,
    createdAt: toDate(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : toDate(row.last_used_at),
    hits: row.hits,
  };
}

const TABLE = 'broker_jsonld_contexts';

export class ContextStore {
  // Kysely<any>: the broker's tables are not in the platform's DB type.
  constructor(private readonly db: Kysely<any>) {}

  /** Stores a client's @context document (kind Hosted) under a new id. */
  createHosted(body: Record<string, unknown>): Promise<StoredContext> {
    return this.insert('Hosted', null, body);
  }

  /** Stores a broker-made @context document (kind ImplicitlyCreated) under a new id. */
  createImplicit(body: Record<string, unknown>): Promise<StoredContext> {
    return this.insert('ImplicitlyCreated', null, body);
  }

  /** Stores or refreshes the copy of a fetched @context (kind Cached): created_at becomes now. */
  async saveCached(url: string, body: Record<string, unknown>): Promise<StoredContext> {
    const row = await this.db
      .insertInto(TABLE)
      .values({ id: randomUUID(), url, kind: 'Cached', body: JSON.stringify(body) })
      .onConflict((oc) =>
        oc.column('url').doUpdateSet({ body: JSON.stringify(body), created_at: sql`now()`, kind: 'Cached' }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRow(row as Row);
  }

  async get(id: string): Promise<StoredContext | undefined> {
    const row = await this.db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row as Row) : undefined;
  }

  async getByUrl(url: string): Promise<StoredContext | undefined> {
    const row = await this.db.selectFrom(TABLE).selectAll().where('url', '=', url).executeTakeFirst();
    return row ? fromRow(row as Row) : undefined;
  }

  /** By local id, or (clause 5.13.4/5.13.5: for Cached entries) by original URL. */
  async find(idOrUrl: string): Promise<StoredContext | undefined> {
    return (await this.get(idOrUrl)) ?? (await this.getByUrl(idOrUrl));
  }

  async list(kind?: ContextKind): Promise<StoredContext[]> {
    let query = this.db.selectFrom(TABLE).selectAll().orderBy('created_at').orderBy('id');
    if (kind) query = query.where('kind', '=', kind);
    return (await query.execute()).map((row) => fromRow(row as Row));
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom(TABLE).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Counts one use of a stored context (numberOfHits, lastUsage). */
  async recordHit(id: string): Promise<void> {
    await this.db
      .updateTable(TABLE)
      .set({ hits: sql`hits + 1`, last_used_at: sql`now()` })
      .where('id', '=', id)
      .execute();
  }

  private async insert(kind: ContextKind, url: string | null, body: Record<string, unknown>): Promise<StoredContext> {
    const row = await this.db
      .insertInto(TABLE)
      .values({ id: randomUUID(), url, kind, body: JSON.stringify(body) })
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRow(row as Row);
  }
}
