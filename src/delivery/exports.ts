// What other parts may use of the delivery module: where the demo core-system receiver listens
// and the tokens it accepts (`tsunagu serve` starts it with the demo processes).
export { receiverSettings, type ReceiverSettings } from './demo-seed.ts';
