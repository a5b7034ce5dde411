import { maskPhone, type Logger } from '@klaxon/logger';
import type { Clock } from '../time/clock';
import type { Queryable } from '../db/database';
import { AppError, RateLimitedError, ValidationError } from '../common/errors';

import type { ChannelRegistry } from '../channels/channel-registry';
import { failureOf } from '../channels/notify-error';
import { findContact, upsertContact } from './contact.repository';
import { normalizePhone } from './phone-number';
import { lockCodeSends, pruneCodeSends, recentCodeSends, recordCodeSend, withdrawCodeSend, type CodeSendCount } from './code-send.repository';
import {
  checkCode,
  CODE_SENDS_KEPT_MS,
  CODE_TTL_MS,
  codeSendLimits,
  codeText,
  destinationHash,
  generateCode,
  MAX_CODE_ATTEMPTS,
  refusalDetail,
  refusalOf,
  RESEND_INTERVAL_MS,
  sealCode,
  waitForRoomMs,
  type CodeSendLimit,
  type PendingPhone,
} from './phone-verification';
import { deletePendingPhones, findPendingPhone, recordWrongCode, savePendingPhone, withdrawPendingPhone } from './phone-verification.repository';

/** A code whose slot is taken and which is about to be sent. */
interface SendingCode {
  code: string;
  pending: PendingPhone;
  /** What was pending before, put back if the code cannot be sent. */
  previous: PendingPhone | null;
  /** The send as logged, taken back if the provider refuses it. */
  sendId: string;
  current: string | null;
  now: Date;
}

/** A number waiting for its code, as people are shown it (E.164 here; masked at the edge). */
export interface PendingStatus {
  phone: string;
  channel: string;
  expiresAt: Date;
  attemptsLeft: number;
  usable: boolean;
}

/** A person's own number: the one pages use now (E.164, null: none stored) and the one waiting for its code. */
export interface PhoneStatus {
  tenantId: string;
  slackUserId: string;
  phone: string | null;
  pending: PendingStatus | null;
}

/**
 * `/alert phone +…` and `/alert phone verify 123456`: a number a person gives for themselves through Slack
 * pages nobody until they type the code Klaxon sent to it (a mistyped number is a silent failure at 3 a.m.).
 * Numbers an operator sets (PUT /contacts, the import) are trusted and never come through here.
 */
export class PhoneVerificationService {
  private readonly limits: readonly CodeSendLimit[];

  constructor(
    private readonly options: {
      db: Queryable;
      registry: ChannelRegistry;
      clock: Clock;
      logger: Logger;
      defaultRegion: string;
      /** PHONE_CODE_LIMIT_GLOBAL: codes the installation sends per hour. */
      globalCodesPerHour: number;
    },
  ) {
    this.limits = codeSendLimits(options.globalCodesPerHour);
  }

  async status(tenantId: string, slackUserId: string): Promise<PhoneStatus> {
    const { db, clock } = this.options;
    const [contact, pending] = await Promise.all([findContact(db, tenantId, slackUserId), findPendingPhone(db, tenantId, slackUserId)]);
    return statusOf(tenantId, slackUserId, contact?.phone ?? null, pending, clock.now());
  }

  /** Only the number waiting for its code, for a caller that already has the contact (the operator's routes). */
  async pending(tenantId: string, slackUserId: string): Promise<PendingStatus | null> {
    const pending = await findPendingPhone(this.options.db, tenantId, slackUserId);
    return pending ? pendingStatusOf(pending, this.options.clock.now()) : null;
  }

  /**
   * Stores the number as pending and sends it a fresh code while the person waits for "code sent"; a failed
   * send is theirs to know, and then nothing stays stored. A number that is already the one pages use needs
   * no code.
   */
  async requestCode(tenantId: string, slackUserId: string, rawPhone: string): Promise<PhoneStatus> {
    const { db, registry, clock, logger, defaultRegion } = this.options;
    const normalized = normalizePhone(rawPhone, defaultRegion);
    if (!normalized.ok) throw new ValidationError(`phone: ${normalized.reason}`);
    const phone = normalized.e164;
    const sender = registry.textChannelFor('phone');
    if (!sender?.sendText) {
      throw new AppError(
        'not_sent',
        422,
        `Klaxon cannot send a code to confirm the number: none of ${registry.textChannels().join(', ')} is configured to send (an operator sets TWILIO_SMS_FROM, or TWILIO_WHATSAPP_FROM, with the Twilio credentials)`,
      );
    }
    const sendText = sender.sendText.bind(sender);

    // The code's slot is taken in a short transaction and the code sent after it: a slow provider (up to its
    // 10 s timeout) must not hold a pooled connection and the person's row lock that pages need.
    const reserved = await db.tx('phone-verification-request', async (t): Promise<{ done: PhoneStatus } | SendingCode> => {
      const contact = await findContact(t, tenantId, slackUserId, { forUpdate: true });
      if (contact?.phone === phone) {
        // Already the number pages use: a code would prove nothing new, and a pending other number is dropped.
        // It is now the person's own choice, so a later Slack profile change no longer replaces it.
        if (contact.source !== 'self') await upsertContact(t, { tenantId, slackUserId, source: 'self', phone });
        await deletePendingPhones(t, tenantId, [slackUserId]);
        return { done: statusOf(tenantId, slackUserId, phone, null, clock.now()) };
      }
      // Taken before the pending row is read, so a request waiting here sees what the one before it stored.
      await lockCodeSends(t);
      const now = clock.now();
      const previous = await findPendingPhone(t, tenantId, slackUserId, { forUpdate: true });
      // The same number again a moment later (typed twice, or a retried request): the code just sent stands.
      if (previous?.phone === phone && now.getTime() - previous.sentAt.getTime() < RESEND_INTERVAL_MS) return { done: statusOf(tenantId, slackUserId, contact?.phone ?? null, previous, now) };
      const destination = destinationHash(phone);
      await this.refuseOverLimit(t, { tenantId, slackUserId, destination, shownPhone: maskPhone(phone), now });
      await pruneCodeSends(t, new Date(now.getTime() - CODE_SENDS_KEPT_MS));
      const code = generateCode();
      const pending: PendingPhone = {
        tenantId,
        slackUserId,
        phone,
        channel: sender.channel,
        ...sealCode(code),
        expiresAt: new Date(now.getTime() + CODE_TTL_MS),
        attempts: 0,
        sentAt: now,
      };
      await savePendingPhone(t, pending);
      const sendId = await recordCodeSend(t, { tenantId, slackUserId, destinationHash: destination, channel: sender.channel, sentAt: now });
      return { code, pending, previous, sendId, current: contact?.phone ?? null, now };
    });
    if ('done' in reserved) return reserved.done;

    const { code, pending, previous, sendId } = reserved;
    try {
      const { providerMessageId } = await sendText({ to: phone, text: codeText(code, tenantId), code });
      logger.info('verification code sent', { tenantId, slackUserId, channel: sender.channel, provider: sender.provider, to: maskPhone(phone), providerMessageId });
    } catch (error) {
      // A code that did not go leaves nothing pending: the row is put back as it was.
      await withdrawPendingPhone(db, pending, previous).catch((withdrawError: unknown) =>
        logger.error('could not take back a pending number whose code was not sent', { tenantId, slackUserId, to: maskPhone(phone), error: withdrawError }),
      );
      const failure = failureOf(error);
      // Refused by the provider, it went nowhere and counts against nobody. Without an answer (a timeout, a
      // dropped connection) the text may still arrive, so it stays counted: limits must hold on a flaky day too.
      if (failure.status !== null) {
        await withdrawCodeSend(db, sendId).catch((withdrawError: unknown) =>
          logger.error('could not take back the logged send of a code the provider refused', { tenantId, slackUserId, to: maskPhone(phone), error: withdrawError }),
        );
      }
      throw new AppError('not_sent', 502, `the code could not be sent by ${sender.channel} to ${maskPhone(phone)}: ${failure.detail}`, { cause: error });
    }
    return statusOf(tenantId, slackUserId, reserved.current, pending, reserved.now);
  }

  /** The code typed: right → the pending number becomes the one pages use; otherwise a 409 saying why. */
  async confirm(tenantId: string, slackUserId: string, code: string): Promise<PhoneStatus> {
    const { db, clock, logger } = this.options;
    const outcome = await db.tx('phone-verification-confirm', async (t): Promise<{ refusal: string } | { status: PhoneStatus }> => {
      // The contact's row first, then the pending one: the order every writer of both takes (requestCode, PUT
      // /contacts, the import), so a code typed while a new number is asked for waits instead of deadlocking.
      await findContact(t, tenantId, slackUserId, { forUpdate: true });
      const pending = await findPendingPhone(t, tenantId, slackUserId, { forUpdate: true });
      if (!pending) throw refused('no number is waiting for a code; give one with `/alert phone +44 20 7946 0958` first');
      const check = checkCode(pending, code, clock.now());
      const shown = maskPhone(pending.phone);
      if (!check.ok) {
        if (check.reason === 'expired') throw refused(`the code sent to ${shown} has expired (codes last ${CODE_TTL_MS / 60_000} minutes); ask for a new one with \`/alert phone <number>\``);
        if (check.reason === 'no_attempts_left') throw refused(`the code sent to ${shown} was typed wrong ${MAX_CODE_ATTEMPTS} times; ask for a new one with \`/alert phone <number>\``);
        // Counted in this transaction, which commits: the refusal is thrown once it has.
        await recordWrongCode(t, tenantId, slackUserId);
        return { refusal: check.attemptsLeft > 0 ? `wrong code for ${shown}; ${check.attemptsLeft} ${check.attemptsLeft === 1 ? 'attempt' : 'attempts'} left` : `wrong code for ${shown}, and that was the last attempt; ask for a new one with \`/alert phone <number>\`` };
      }
      const contact = await upsertContact(t, { tenantId, slackUserId, source: 'self', phone: pending.phone });
      await deletePendingPhones(t, tenantId, [slackUserId]);
      logger.info('phone number confirmed', { tenantId, slackUserId, to: shown });
      return { status: statusOf(tenantId, slackUserId, contact.phone, null, clock.now()) };
    });
    if ('refusal' in outcome) throw refused(outcome.refusal);
    return outcome.status;
  }

  /**
   * Counts the codes sent within each limit's window (under lockCodeSends, so nobody else logs one meanwhile)
   * and throws the refusal that holds longest, if any: a 429 saying which limit and how long.
   */
  private async refuseOverLimit(
    t: Queryable,
    { tenantId, slackUserId, destination, shownPhone, now }: { tenantId: string; slackUserId: string; destination: Buffer; shownPhone: string; now: Date },
  ): Promise<void> {
    const scopes: Record<CodeSendLimit['scope'], CodeSendCount> = {
      requester: { requester: { tenantId, slackUserId } },
      destination: { destinationHash: destination },
      installation: 'installation',
    };
    const waits = [];
    for (const limit of this.limits) {
      const recent = await recentCodeSends(t, scopes[limit.scope], { since: new Date(now.getTime() - limit.windowMs), nth: limit.max });
      waits.push({ limit, waitMs: waitForRoomMs(limit, recent, now) });
    }
    const refusal = refusalOf(waits);
    if (!refusal) return;
    const seconds = Math.ceil(refusal.waitMs / 1000);
    this.options.logger.info('verification code refused by a limit', { tenantId, slackUserId, limit: refusal.limit.scope, max: refusal.limit.max, windowMs: refusal.limit.windowMs, to: shownPhone });
    throw new RateLimitedError(refusalDetail(refusal, shownPhone), seconds);
  }
}

const refused = (detail: string) => new AppError('verification_failed', 409, detail);

function statusOf(tenantId: string, slackUserId: string, phone: string | null, pending: PendingPhone | null, now: Date): PhoneStatus {
  return { tenantId, slackUserId, phone, pending: pending ? pendingStatusOf(pending, now) : null };
}

function pendingStatusOf(pending: PendingPhone, now: Date): PendingStatus {
  const attemptsLeft = Math.max(0, MAX_CODE_ATTEMPTS - pending.attempts);
  return { phone: pending.phone, channel: pending.channel, expiresAt: pending.expiresAt, attemptsLeft, usable: attemptsLeft > 0 && now < pending.expiresAt };
}
