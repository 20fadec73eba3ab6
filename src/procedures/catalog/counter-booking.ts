// Where a resident books a visit for a counter procedure (来庁予約). The reservations module knows
// which departments take bookings and registers a lookup here, so the procedures module links to
// it from counter procedures without importing the module that depends on it.
import type { AppContext } from '../../platform/module.ts';
import type { Procedure } from './catalog-store.ts';

export type CounterBookingLookup = (lgCode: string, departmentCode: string) => Promise<string | undefined>;

const lookups = new WeakMap<AppContext, CounterBookingLookup>();

export function setCounterBooking(ctx: AppContext, lookup: CounterBookingLookup): void {
  lookups.set(ctx, lookup);
}

/** The booking page for the procedure's counter, when it is done at a counter that takes bookings. */
export async function counterBookingHref(ctx: AppContext, procedure: Procedure): Promise<string | undefined> {
  const lookup = lookups.get(ctx);
  if (!lookup || procedure.channel !== 'counter') return undefined;
  return lookup(procedure.lgCode, procedure.departmentCode);
}
