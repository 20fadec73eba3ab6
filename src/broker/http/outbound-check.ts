// The broker's use of the platform's outbound guard (platform/outbound): a URL a client names
// (notification endpoint, context source endpoint) is checked where it is given, so a refused
// address is a 400 at once rather than a delivery that fails later. Sending checks again.
import { OutboundRefused, type OutboundGuard } from '../../platform/outbound/outbound-guard.ts';
import { NgsiError } from '../errors.ts';

export async function assertContactable(guard: OutboundGuard, uri: string, member: string): Promise<void> {
  try {
    await guard.check(uri);
  } catch (error) {
    if (error instanceof OutboundRefused) throw new NgsiError('BadRequestData', `${member}: ${error.message} (see TSUNAGU_OUTBOUND_ALLOW)`);
    throw error;
  }
}
