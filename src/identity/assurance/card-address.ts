// Reading a card's address (住所, as one string: 福島県伊達郡川俣町五百田３０番地) into the
// residence municipality and the rest. The municipality is found by name among the tenants; a
// county name (郡) before a town or village is skipped, as tenant names do not carry it.
import type { TenantDirectory } from '../../platform/tenancy/tenant-directory.ts';

export async function addressToMunicipality(tenants: TenantDirectory, address: string): Promise<{ lgCode: string | null; rest: string }> {
  const { tenants: all } = await tenants.snapshot();
  const prefectures = [...all.values()].filter((t) => t.level === 'prefecture');
  for (const prefecture of prefectures) {
    if (!address.startsWith(prefecture.name.ja)) continue;
    let rest = address.slice(prefecture.name.ja.length);
    const county = /^[^市区町村]{1,6}郡/.exec(rest);
    const candidates = [...all.values()].filter((t) => t.level === 'municipality' && t.prefectureCode === prefecture.lgCode);
    for (const text of county ? [rest, rest.slice(county[0].length)] : [rest]) {
      // Longest name first: 伊達市 must not match inside 伊達郡.
      const match = candidates.filter((m) => text.startsWith(m.name.ja)).sort((a, b) => b.name.ja.length - a.name.ja.length)[0];
      if (match) {
        rest = text.slice(match.name.ja.length);
        return { lgCode: match.lgCode, rest };
      }
    }
  }
  return { lgCode: null, rest: address };
}
