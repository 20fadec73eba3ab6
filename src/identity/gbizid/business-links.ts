// The link between a business account and its GビズID subject, with what GビズID last said about
// the business and the person's place in it. The corporate name is sealed like the module's other
// values: a sole proprietor's trade name is often the person's own name.
import { sql } from 'kysely';
import type { Sealer } from '../../platform/crypto/sealer.ts';
import type { SignedInBusiness } from '../../platform/authz/actor.ts';
import type { IdentityDatabase } from '../db/schema.ts';

export type GbizidAccountType = SignedInBusiness['accountType'];
export type CorpType = 'corporation' | 'sole_proprietor';

/** What a login tells us about the business (already checked: gbizid-claims.ts). */
export interface BusinessFacts extends SignedInBusiness {
  corpType: CorpType;
}

export interface GbizidLink extends BusinessFacts {
  accountId: string;
  issuer: string;
  subject: string;
}

const nameContext = (accountId: string) => `identity_gbizid_links.corporate_name:${accountId}`;

export class BusinessLinks {
  constructor(private readonly sealer: Sealer) {}

  async findBySubject(db: IdentityDatabase, issuer: string, subject: string): Promise<GbizidLink | undefined> {
    const row = await db.selectFrom('identity_gbizid_links').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
    if (!row) return undefined;
    return { accountId: row.account_id, issuer: row.issuer, subject: row.subject, ...this.facts(row) };
  }

  /** The business facts the Actor carries (sessions/session-authenticator.ts). */
  async find(db: IdentityDatabase, accountId: string): Promise<SignedInBusiness | undefined> {
    const row = await db.selectFrom('identity_gbizid_links').selectAll().where('account_id', '=', accountId).executeTakeFirst();
    if (!row) return undefined;
    const { corpType: _corpType, ...business } = this.facts(row);
    return business;
  }

  async create(db: IdentityDatabase, link: GbizidLink): Promise<void> {
    await db
      .insertInto('identity_gbizid_links')
      .values({ account_id: link.accountId, issuer: link.issuer, subject: link.subject, ...this.columns(link.accountId, link) })
      .execute();
  }

  /** Rewrites the facts with what GビズID says now (a Member may have become the Prime holder…). */
  async update(db: IdentityDatabase, accountId: string, facts: BusinessFacts): Promise<void> {
    await db
      .updateTable('identity_gbizid_links')
      .set({ ...this.columns(accountId, facts), updated_at: sql<Date>`now()` })
      .where('account_id', '=', accountId)
      .execute();
  }

  private columns(accountId: string, facts: BusinessFacts) {
    return {
      account_type: facts.accountType,
      corp_type: facts.corpType,
      corporate_number: facts.corporateNumber,
      corporate_name_sealed: this.sealer.seal(facts.corporateName, nameContext(accountId)),
      representative: facts.representative,
    };
  }

  private facts(row: { account_id: string; account_type: GbizidAccountType; corp_type: CorpType; corporate_number: string | null; corporate_name_sealed: string; representative: boolean }): BusinessFacts {
    return {
      accountType: row.account_type,
      corpType: row.corp_type,
      corporateNumber: row.corporate_number,
      corporateName: this.sealer.open(row.corporate_name_sealed, nameContext(row.account_id)),
      representative: row.representative,
    };
  }
}
