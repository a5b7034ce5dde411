import type ICALModule from 'ical.js' with { 'resolution-mode': 'import' };

// ical.js 2 is an ES module; its CommonJS build (dist/ical.es5.cjs, what `require` gets) ships no declarations
// of its own, so its types are taken from the ES module's, as types only, and the build is required as is.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ICAL = require('ical.js') as typeof ICALModule;

/** One VEVENT as a calendar client reads it. */
export interface ReadEvent {
  uid: string;
  summary: string;
  description: string;
  start: Date;
  end: Date;
  /** DTSTART and DTEND are UTC instants (`…Z`), not wall-clock times in some zone. */
  utc: boolean;
  transparency: string | null;
}

export interface ReadCalendar {
  /** The calendar's own properties by lower-case name (`method`, `x-wr-calname`, `refresh-interval`…), as text. */
  properties: Record<string, string>;
  events: ReadEvent[];
}

/**
 * Reads an iCalendar text with ical.js, a parser calendar clients use (Thunderbird's), as a subscribed calendar
 * would: what a feed says is what a real parser gets out of it, not what our generator meant.
 */
export function readCalendar(text: string): ReadCalendar {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const properties = Object.fromEntries(calendar.getAllProperties().map((property) => [property.name, String(property.getFirstValue())]));
  const events = calendar.getAllSubcomponents('vevent').map((vevent): ReadEvent => {
    const event = new ICAL.Event(vevent);
    const transparency = vevent.getFirstPropertyValue('transp');
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      start: event.startDate.toJSDate(),
      end: event.endDate.toJSDate(),
      utc: event.startDate.zone === ICAL.Timezone.utcTimezone && event.endDate.zone === ICAL.Timezone.utcTimezone,
      transparency: transparency === null ? null : String(transparency),
    };
  });
  return { properties, events };
}
