// The gateway reuses sockets to the backend. If the backend closed an idle socket at the moment the
// gateway picked it for a new request, that request dies with ECONNRESET (seen here under load). So the
// gateway drops idle sockets well before the backend would: agent idle time < server keep-alive time.
export const GATEWAY_AGENT_IDLE_MS = 30_000;
export const BACKEND_KEEP_ALIVE_MS = 65_000;
// Node requires headersTimeout > keepAliveTimeout, or a slow first request on a kept socket is cut.
export const BACKEND_HEADERS_TIMEOUT_MS = BACKEND_KEEP_ALIVE_MS + 1_000;
