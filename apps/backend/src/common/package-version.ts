import fs from 'node:fs';
import path from 'node:path';

/** The backend's version, from its package.json (two directories up from both src/common/ and dist/common/). */
export const packageVersion = (JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
