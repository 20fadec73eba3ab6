// The app's own sessions, kept in memory (a demo runs one process) behind a signed cookie. Each
// holds a CSRF token for the app's forms, the login in progress (PKCE verifier and state), the
// signed-in resident, and the consent request in progress (its id and state).
import { randomBytes } from 'node:crypto';

export interface Session {
  id: string;
  csrf: string;
  lastSeen: number;
  login?: { verifier: string; state: string };
  user?: { sub: string; name: string; idToken: string };
  consent?: { requestId: string; state: string };
}

const IDLE_MS = 2 * 60 * 60_000;
const MAX_SESSIONS = 10_000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (Date.now() - session.lastSeen > IDLE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeen = Date.now();
    return session;
  }

  create(): Session {
    // Oldest first in a Map: dropping from the front bounds memory if someone mints sessions in bulk.
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session: Session = { id: randomBytes(24).toString('base64url'), csrf: randomBytes(24).toString('base64url'), lastSeen: Date.now() };
    this.sessions.set(session.id, session);
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }
}
