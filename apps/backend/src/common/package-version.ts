import fs from 'node:fs';
import path from 'node:path';

/** The backend's version, from its package.json (one directory up from both src/ and dist/). */
export const packageVersion = (JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8')) as { version: string }).version;
