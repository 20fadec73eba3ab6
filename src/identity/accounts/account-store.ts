// Reading and writing accounts. The e-mail address and display name are sealed, bound to the
// account's id; lookups by address go through the blind index.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { AccountKind, AssuranceLevel, IdentityDatabase } from '../db/schema.ts';

export interface Account {
  id: string;
  kind: AccountKind;
  lgCode: string;
  email: string;
  emailVerified: boolean;
  passwordHash: string | null;
  status: 'active' | 'invited' | 'disabled';
  assuranceLevel: AssuranceLevel;
  displayName: string | null;
  lastLoginAt: Date | null;
  createdAt: Date;
  version: number;
}

export interface NewAccount {
  kind: AccountKind;
  lgCode: string;
  email: string;
  passwordHash: string | null;
  status?: 'active' | 'invited';
  displayName?: string | null;
  emailVerified?: boolean;
}

const emailContext = (id: string) => `identity_accounts.email:${id}`;
const nameContext = (id: string) => `identity_accounts.display_name:${id}`;

export class AccountStore {
  constructor(private readonly sealer: Sealer) {}

  emailIndex(normalisedEmail: string): string {
    return this.sealer.blindIndex(normalisedEmail, 'identity.email');
  }

  async create(db: IdentityDatabase, input: NewAccount): Promise<string> {
    const id = randomUUID();
    await db
      .insertInto('identity_accounts')
      .values({
        id,
        kind: input.kind,
        lg_code: input.lgCode,
        email_index: this.emailIndex(input.email),
        email_sealed: this.sealer.seal(input.email, emailContext(id)),
        email_verified_at: input.emailVerified ? new Date() : null,
        password_hash: input.passwordHash,
        status: input.status ?? 'active',
        display_name_sealed: input.displayName ? this.sealer.seal(input.displayName, nameContext(id)) : null,
        last_login_at: null,
      })
      .execute();
    return id;
  }

  async findByEmail(db: IdentityDatabase, kind: AccountKind, normalisedEmail: string): Promise<Account | undefined> {
    const row = await db
      .selectFrom('identity_accounts')
      .selectAll()
      .where('kind', '=', kind)
      .where('email_index', '=', this.emailIndex(normalisedEmail))
      .executeTakeFirst();
    return row && this.toAccount(row);
  }

  async findById(db: IdentityDatabase, id: string): Promise<Account | undefined> {
    const row = await db.selectFrom('identity_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && this.toAccount(row);
  }

  async update(
    db: IdentityDatabase,
    id: string,
    changes: { passwordHash?: string; emailVerified?: true; status?: 'active' | 'disabled'; assuranceLevel?: AssuranceLevel; displayName?: string; lastLoginAt?: Date },
  ): Promise<void> {
    await db
      .updateTable('identity_accounts')
      .set({
        ...(changes.passwordHash !== undefined ? { password_hash: changes.passwordHash } : {}),
        ...(changes.emailVerified ? { email_verified_at: sql<Date>`coalesce(email_verified_at, now())` } : {}),
        ...(changes.status ? { status: changes.status } : {}),
        ...(changes.assuranceLevel ? { assurance_level: changes.assuranceLevel } : {}),
        ...(changes.displayName !== undefined ? { display_name_sealed: this.sealer.seal(changes.displayName, nameContext(id)) } : {}),
        ...(changes.lastLoginAt ? { last_login_at: changes.lastLoginAt } : {}),
        updated_at: sql<Date>`now()`,
        version: sql<number>`version + 1`,
      })
      .where('id', '=', id)
      .execute();
  }

  /**
   * A new address that is confirmed: by an identity provider that vouches for it (GビズID's account
   * ID is the address), or by the resident opening a link sent to it (change-email.ts).
   */
  async changeEmail(db: IdentityDatabase, id: string, normalisedEmail: string): Promise<void> {
    await db
      .updateTable('identity_accounts')
      .set({ email_index: this.emailIndex(normalisedEmail), email_sealed: this.sealer.seal(normalisedEmail, emailContext(id)), email_verified_at: sql<Date>`now()`, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Lets go of an address the provider has since given to another account (it moved while this
   * account was away): the account can no longer be found by it and it counts as unverified.
   */
  async releaseEmail(db: IdentityDatabase, id: string): Promise<void> {
    await db
      .updateTable('identity_accounts')
      .set({ email_index: this.emailIndex(`released:${id}`), email_verified_at: null, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
      .where('id', '=', id)
      .execute();
  }

  toAccount(row: {
    id: string;
    kind: AccountKind;
    lg_code: string;
    email_sealed: string;
    email_verified_at: Date | null;
    password_hash: string | null;
    status: 'active' | 'invited' | 'disabled';
    assurance_level: AssuranceLevel;
    display_name_sealed: string | null;
    last_login_at: Date | null;
    created_at: Date;
    version: number;
  }): Account {
    return {
      id: row.id,
      kind: row.kind,
      lgCode: row.lg_code,
      email: this.sealer.open(row.email_sealed, emailContext(row.id)),
      emailVerified: row.email_verified_at !== null,
      passwordHash: row.password_hash,
      status: row.status,
      assuranceLevel: row.assurance_level,
      displayName: row.display_name_sealed ? this.sealer.open(row.display_name_sealed, nameContext(row.id)) : null,
      lastLoginAt: row.last_login_at,
      createdAt: row.created_at,
      version: row.version,
    };
  }
}
