import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { SERVICE_KEY_HEADER } from '@klaxon/contracts';
import { packageVersion } from '../common/package-version';
import { alertmanagerPaths } from './alertmanager.routes';
import { alertsPaths } from './alerts.routes';
import { calendarPaths } from './calendar.routes';
import { contactsPaths } from './contacts.routes';
import { healthPaths } from './health.routes';
import { metricsPaths } from './metrics.routes';
import { oncallPaths } from './oncall.routes';
import { oncallConfigPaths } from './oncall-config.routes';
import { maintenanceHeartbeatPaths } from './maintenance-heartbeats.routes';
import { openApiPaths } from './openapi.routes';
import { HTTP_METHODS, TAGS, type HttpMethod, type RouteDoc, type Tag } from './openapi-kit';
import { ownPhonePaths } from './own-phone.routes';
import { pagerDutyPaths } from './pagerduty.routes';
import { testPagesPaths } from './test-pages.routes';
import { twilioPaths } from './twilio.routes';

// The OpenAPI 3.1 description of the backend, served at GET /openapi.json. Each routes module describes its
// own routes beside them (`…Paths`, with the zod schemas the routes validate with); this module only puts them
// together. The route-walk test in test/integration/openapi.int.test.ts fails while a mounted route is not
// described or a described one not mounted, and the same file checks real responses against the document.

export { HTTP_METHODS, type HttpMethod };

const ROUTES: readonly RouteDoc[] = [
  ...twilioPaths,
  ...alertsPaths,
  ...contactsPaths,
  ...oncallPaths,
  ...oncallConfigPaths,
  ...maintenanceHeartbeatPaths,
  ...calendarPaths,
  ...alertmanagerPaths,
  ...pagerDutyPaths,
  ...testPagesPaths,
  ...ownPhonePaths,
  ...healthPaths,
  ...metricsPaths,
  ...openApiPaths,
];

function generate() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'serviceKey', {
    type: 'apiKey',
    in: 'header',
    name: SERVICE_KEY_HEADER,
    description: 'One of the keys configured in INTERNAL_SERVICE_KEYS; a key bound to a tenant sees only that tenant.',
  });
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: `The same service key as \`Authorization: Bearer <key>\` (what Alertmanager’s \`http_config.authorization\` sends); ${SERVICE_KEY_HEADER} wins when both are sent.`,
  });
  for (const route of ROUTES) registry.registerPath(route);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Klaxon backend',
      // The package's version: the description ships with the build that serves it.
      version: packageVersion,
      description:
        'Private alert service behind the Slack gateway. JSON in, JSON out. Every error is `{error, detail}`; any route may also answer 500 `internal` on an unexpected failure. Every response carries `x-request-id`: the caller’s, or one made when none was sent; a malformed one is refused with 422 on every route.',
    },
    servers: [{ url: 'http://127.0.0.1:5002', description: 'The default listen address (loopback only).' }],
    security: [{ serviceKey: [] }],
    tags: (Object.entries(TAGS) as [Tag, string][]).map(([name, description]) => ({ name, description })),
  });
  const { openapi, ...rest } = withoutRegexFlags(document);
  // Said once for the document (openapi3-ts's types lack the field), not inside every schema.
  return { openapi, jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema', ...rest, paths: rest.paths ?? {}, components: rest.components ?? {} };
}

/**
 * zod-to-openapi 9.1 writes a regular expression with flags as `source/flags` (`^[\p{L} ]+$/u`), which no
 * string matches. JSON Schema patterns take no flags (and are read as Unicode), so the suffix goes. A RegExp's
 * source escapes every `/`, so an unescaped one can only start the flags.
 */
function withoutRegexFlags<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutRegexFlags) as T;
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === 'pattern' && typeof value === 'string' ? value.replace(FLAGGED_SOURCE, '$1') : withoutRegexFlags(value)]),
  ) as T;
}
const FLAGGED_SOURCE = /^((?:[^\\/]|\\.)*)\/[dgimsuvy]+$/s;

export const openApiDocument = generate();
export type OpenApiDocument = typeof openApiDocument;
export type PathItem = OpenApiDocument['paths'][string];
export type Operation = NonNullable<PathItem[HttpMethod]>;
