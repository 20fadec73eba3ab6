// Scanning attachments for malware before they are stored, when a scanner is configured
// (TSUNAGU_CLAMD_URL=tcp://host:3310): ClamAV's daemon, clamd, through its INSTREAM command — the
// bytes go as chunks, each after its length (4 bytes, big-endian), ended by a zero length; clamd
// answers `stream: OK` or `stream: <signature> FOUND`. Anything else, a refused connection or no
// answer in time means the file could not be checked, and it is not stored (fail closed).
import net from 'node:net';

export type ScanResult = { clean: true } | { clean: false; signature: string };

export class ScannerUnavailableError extends Error {}

const CHUNK = 64 * 1024;
const MAX_REPLY = 4096;

export function scanWithClamd(url: string, data: Buffer, timeoutMs = 15_000): Promise<ScanResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) || 3310 });
    let reply = '';
    let settled = false;
    const finish = (error: Error | undefined, result?: ScanResult) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(result!);
    };
    socket.setTimeout(timeoutMs, () => finish(new ScannerUnavailableError(`the virus scanner did not answer in ${timeoutMs} ms`)));
    socket.on('error', (error) => finish(new ScannerUnavailableError(`the virus scanner cannot be reached: ${error.message}`)));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.length > MAX_REPLY) finish(new ScannerUnavailableError('the virus scanner answered too much'));
      if (reply.includes('\0')) socket.end();
    });
    socket.on('close', () => {
      const line = reply.split('\0')[0]!.trim();
      if (line === 'stream: OK') return finish(undefined, { clean: true });
      const found = /^stream: (.+) FOUND$/.exec(line);
      if (found) return finish(undefined, { clean: false, signature: found[1]! });
      finish(new ScannerUnavailableError(`the virus scanner answered "${line.slice(0, 200)}"`));
    });
    socket.on('connect', () => {
      socket.write('zINSTREAM\0');
      for (let at = 0; at < data.length; at += CHUNK) {
        const part = data.subarray(at, at + CHUNK);
        const size = Buffer.alloc(4);
        size.writeUInt32BE(part.length);
        socket.write(size);
        socket.write(part);
      }
      socket.write(Buffer.alloc(4)); // the end of the stream
    });
  });
}
