import type { AddressInfo } from 'node:net';
import { type AddressObject, type HeaderValue, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message the fake accepted, parsed as a mail client would read it. */
export interface FakeSmtpMail {
  /** MAIL FROM and RCPT TO, as the client gave them. */
  envelope: { from: string | null; to: string[] };
  /** The From header as mailparser prints it: `"Klaxon" <pager@example.com>` (the raw line is in `raw`). */
  from: string | undefined;
  fromName: string | undefined;
  fromAddress: string | undefined;
  /** Addresses of the To header. */
  to: string[];
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  /** The Message-ID header, angle brackets included: `<…@example.com>`. */
  messageId: string | undefined;
  /** Every header, lower-cased name → decoded value (address and date headers as their text). */
  headers: Record<string, string>;
  /** The message as received (RFC 5322), for what the parsed fields do not show. */
  raw: string;
  /** The user the client authenticated as. */
  authUser: string | undefined;
  receivedAt: Date;
}

/** Where a scripted failure is answered: at MAIL FROM (the sender), RCPT TO (the recipient) or after DATA (the message). */
export type FakeSmtpStage = 'mail' | 'rcpt' | 'data';

export interface FakeSmtpFailure {
  /** The SMTP reply code: 451, 452, 550, 553, 554… */
  code: number;
  message: string;
  /** Default `rcpt`. */
  at?: FakeSmtpStage;
}

/** A refused command, as the fake answered it. */
export interface FakeSmtpRejection {
  at: FakeSmtpStage | 'auth';
  code: number;
  message: string;
  user: string | undefined;
}

export type FakeSmtpPredicate = (mail: FakeSmtpMail) => boolean;

export interface FakeSmtpOptions {
  user?: string;
  password?: string;
  /** Loopback port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Called with every message accepted (the dev mailbox prints them). */
  onMail?: (mail: FakeSmtpMail) => void;
}

export interface FakeSmtp {
  /** `smtp://user:password@127.0.0.1:PORT` (user and password percent-encoded), for SMTP_URL. */
  readonly url: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Every accepted message, in order. */
  readonly mails: readonly FakeSmtpMail[];
  /** Every refused command (wrong credentials, scripted failures), in order. */
  readonly rejections: readonly FakeSmtpRejection[];
  /** The next `count` messages are refused with this reply, at `failure.at` (RCPT TO by default). */
  failNext(count: number, failure: FakeSmtpFailure): void;
  /** Resolves with the first accepted message matching `predicate`, already received or not. */
  waitForMail(predicate?: FakeSmtpPredicate, timeoutMs?: number): Promise<FakeSmtpMail>;
  /** Forgets messages, rejections and scripted failures; the URL stays the same. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 5_000;

/**
 * A real SMTP server (smtp-server) on a random loopback port: AUTH PLAIN/LOGIN with one user, no TLS (STARTTLS is
 * not offered, so plaintext AUTH is allowed), every message parsed with mailparser.
 */
export async function startFakeSmtpServer(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const fake = new FakeSmtpServer(options.user ?? 'klaxon', options.password ?? 'fake-smtp-password', options.onMail);
  await fake.listen(options.port ?? 0);
  return fake;
}

interface Waiter {
  matches: FakeSmtpPredicate;
  resolve: (mail: FakeSmtpMail) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type SmtpError = Error & { responseCode: number };

class FakeSmtpServer implements FakeSmtp {
  readonly user: string;
  readonly password: string;
  readonly #server: SMTPServer;
  #port = 0;
  #mails: FakeSmtpMail[] = [];
  #rejections: FakeSmtpRejection[] = [];
  #queued: Array<Required<FakeSmtpFailure>> = [];
  #waiters = new Set<Waiter>();

  readonly #onMail: ((mail: FakeSmtpMail) => void) | undefined;

  constructor(user: string, password: string, onMail?: (mail: FakeSmtpMail) => void) {
    this.user = user;
    this.password = password;
    this.#onMail = onMail;
    this.#server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      disableReverseLookup: true,
      logger: false,
      // Closing must not wait for a client that keeps its connection.
      closeTimeout: 100,
      onAuth: (auth, _session, callback) => {
        if (auth.username === this.user && auth.password === this.password) return callback(null, { user: auth.username });
        callback(this.#reject({ at: 'auth', code: 535, message: 'Authentication credentials invalid' }, auth.username));
      },
      onMailFrom: (_address, session, callback) => callback(this.#scripted('mail', session)),
      onRcptTo: (_address, session, callback) => callback(this.#scripted('rcpt', session)),
      onData: (stream, session, callback) => {
        this.#receive(stream, session).then(
          () => callback(),
          (error: unknown) => callback(error as Error),
        );
      },
    });
  }

  get url(): string {
    return `smtp://${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}@127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get mails(): readonly FakeSmtpMail[] {
    return this.#mails;
  }

  get rejections(): readonly FakeSmtpRejection[] {
    return this.#rejections;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#port = (this.#server.server.address() as AddressInfo).port;
  }

  failNext(count: number, failure: FakeSmtpFailure): void {
    for (let i = 0; i < count; i += 1) this.#queued.push({ at: 'rcpt', ...failure });
  }

  waitForMail(predicate: FakeSmtpPredicate = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<FakeSmtpMail> {
    const found = this.#mails.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches: predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          const summary = this.#mails.map((m) => `${m.envelope.to.join(',')}: ${m.subject ?? '(no subject)'}`).join('; ');
          reject(new Error(`fake SMTP: no mail matched within ${timeoutMs} ms (received ${this.#mails.length}: ${summary || 'none'})`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  reset(): void {
    this.#mails = [];
    this.#rejections = [];
    this.#queued = [];
  }

  async close(): Promise<void> {
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('fake SMTP closed before the awaited mail arrived'));
    }
    this.#waiters.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // The head of the queue is answered at its stage; a failure for DATA lets MAIL FROM and RCPT TO through.
  #scripted(stage: FakeSmtpStage, session: SMTPServerSession): SmtpError | null {
    if (this.#queued[0]?.at !== stage) return null;
    const failure = this.#queued.shift()!;
    return this.#reject({ at: stage, code: failure.code, message: failure.message }, userOf(session));
  }

  #reject(rejection: Omit<FakeSmtpRejection, 'user'>, user: string | undefined): SmtpError {
    this.#rejections.push({ ...rejection, user });
    return Object.assign(new Error(rejection.message), { responseCode: rejection.code });
  }

  async #receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    // Read to the end first: the client only hears the answer after its final dot.
    const failed = this.#scripted('data', session);
    if (failed) throw failed;
    const raw = Buffer.concat(chunks).toString('utf8');
    const parsed = await simpleParser(raw);
    const to = [parsed.to ?? []].flat();
    this.#mails.push({
      envelope: {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        to: session.envelope.rcptTo.map((r) => r.address),
      },
      from: parsed.from?.text,
      fromName: parsed.from?.value[0]?.name || undefined,
      fromAddress: parsed.from?.value[0]?.address,
      to: to.flatMap((group: AddressObject) => group.value.flatMap((a) => (a.address ? [a.address] : []))),
      subject: parsed.subject,
      text: parsed.text,
      html: parsed.html === false ? undefined : parsed.html,
      messageId: parsed.messageId,
      headers: Object.fromEntries([...parsed.headers].map(([name, value]) => [name, headerText(value)])),
      raw,
      authUser: userOf(session),
      receivedAt: new Date(),
    });
    this.#onMail?.(this.#mails[this.#mails.length - 1]!);
    this.#notifyWaiters();
  }

  #notifyWaiters(): void {
    for (const waiter of this.#waiters) {
      const found = this.#mails.find(waiter.matches);
      if (!found) continue;
      clearTimeout(waiter.timer);
      this.#waiters.delete(waiter);
      waiter.resolve(found);
    }
  }
}

function userOf(session: SMTPServerSession): string | undefined {
  const user: unknown = session.user;
  return typeof user === 'string' ? user : undefined;
}

function headerText(value: HeaderValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null && 'text' in value && typeof value.text === 'string') return value.text;
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'string') return value.value;
  return JSON.stringify(value);
}
