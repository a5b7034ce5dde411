import { z } from 'zod';
import {
  CONTACT_CSV_COLUMNS,
  CONTACT_SOURCES,
  TIME_OF_DAY_PATTERN,
  type ContactDto,
  type ContactImportDto,
  type PendingPhoneDto,
  type PhoneStatusDto,
} from '@klaxon/contracts';
import { bodyOf, channelLabels, channelName, timestamp } from './openapi-kit';

// The bodies the contact routes answer with, for the OpenAPI document; each must match its DTO in contracts.

const count = (description: string) => z.number().int().min(0).describe(description);

/** A number given through Slack that waits for its code, as the contact and `/alert phone` show it. */
const pendingPhone = bodyOf<PendingPhoneDto>()(
  z.strictObject({
    phone: z.string().describe('The number waiting for its code, masked. It pages nobody until confirmed.'),
    // A string in the DTO (the channel as recorded with the send), so not an enum here either.
    channel: z.string().describe('Where the code went: `sms`, or `whatsapp` when no SMS sender is configured.'),
    expires_at: timestamp('When the code stops working.'),
    attempts_left: z.number().int().min(0).describe('Wrong codes that may still be typed.'),
    usable: z.boolean().describe('False once the code expired or its attempts are used up: only a new code helps.'),
  }),
);

export const contactSchema = bodyOf<ContactDto>()(
  z
    .strictObject({
      tenant_id: z.string(),
      slack_user_id: z.string(),
      name: z.string().nullable(),
      phone: z.string().nullable().describe('E.164, masked on the wire (`+44 ******0958`); null when none is stored (the Slack profile number may still be used).'),
      email: z.string().nullable().describe('Masked on the wire (`j***@example.com`).'),
      channels: z.array(channelName('A channel.')).describe('The channels the person accepts; email only when they opted in.'),
      channel_labels: channelLabels,
      time_zone: z.string().nullable().describe('IANA name (`Europe/Berlin`); quiet hours are read in it.'),
      quiet_hours: z
        .strictObject({ start: z.string().regex(TIME_OF_DAY_PATTERN), end: z.string().regex(TIME_OF_DAY_PATTERN) })
        .nullable()
        .describe('When low and medium pages wait (high and critical never do); `start` after `end` wraps midnight. Null: none.'),
      source: z.enum(CONTACT_SOURCES).describe('Who wrote the phone number. `self`: set with `/alert phone`; `import`: bulk import; `slack`: copied from the Slack profile.'),
      pending_phone: pendingPhone.nullable().describe('A number the person gave with `/alert phone`, waiting for its code: pages still use `phone`. Null when none waits.'),
      updated_at: timestamp('When the contact was last written.'),
    })
    .meta({ id: 'Contact', description: 'How Klaxon reaches a Slack user of a tenant.' }),
);

export const contactImportSchema = bodyOf<ContactImportDto>()(
  z
    .strictObject({
      tenant_id: z.string(),
      dry_run: z.boolean().describe('True: nothing was written; the counts say what an import would do.'),
      rows: count('Data rows read (header and blank lines not counted).'),
      imported: count('Rows written (or to be written): new contacts and changed ones.'),
      unchanged: count('Valid rows equal to what is stored.'),
      kept_self: count('Valid rows left alone because the person set their own number (`overwrite=self` replaces it).'),
      skipped: count('Rows refused; each has at least one entry in `errors`.'),
      errors: z
        .array(
          z.strictObject({
            line: z.number().int().min(1).describe('The line of the file (the header is line 1).'),
            column: z.enum(CONTACT_CSV_COLUMNS).nullable().describe('The column to fix; null when the whole line is malformed.'),
            reason: z.string(),
          }),
        )
        .max(1000)
        .describe('The first 1,000 problems, by line. No cell value is echoed.'),
    })
    .meta({ id: 'ContactImport', description: 'The outcome of a directory import.' }),
);

export const phoneStatusSchema = bodyOf<PhoneStatusDto>()(
  z
    .strictObject({
      tenant_id: z.string(),
      slack_user_id: z.string(),
      phone: z.string().nullable().describe('The stored number pages use, masked; null when none is stored (the Slack profile number may still be used).'),
      pending: pendingPhone.nullable().describe('A number the person gave in Slack, waiting for its code; null when none waits.'),
    })
    .meta({ id: 'PhoneStatus', description: 'A person’s own number and the one waiting for its code.' }),
);
