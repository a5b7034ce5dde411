import http from 'node:http';
import axios, { type AxiosInstance } from 'axios';
import { GATEWAY_AGENT_IDLE_MS, REQUEST_ID_HEADER, SERVICE_KEY_HEADER, type AlertDto, type CreateAlertRequest, type ErrorBody } from '@klaxon/contracts';
import type { Logger } from '@klaxon/logger';
import { BackendRejectedError, BackendUnavailableError } from './errors';

export interface BackendClientOptions {
  baseUrl: string;
  serviceKey: string;
  timeoutMs: number;
  logger: Logger;
}

// A kept-alive socket the backend closed while idle fails the next write at once with one of these.
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** The gateway's only way to the backend: keep-alive, a timeout, and one safe retry on a stale socket. */
export class BackendClient {
  private readonly http: AxiosInstance;
  private readonly logger: Logger;
  readonly agent: http.Agent;

  constructor({ baseUrl, serviceKey, timeoutMs, logger }: BackendClientOptions) {
    this.logger = logger;
    // Idle sockets are dropped before the backend's keep-alive timeout would drop them under us.
    this.agent = new http.Agent({ keepAlive: true, timeout: GATEWAY_AGENT_IDLE_MS, maxSockets: 64 });
    this.http = axios.create({
      baseURL: baseUrl,
      timeout: timeoutMs,
      httpAgent: this.agent,
      // No redirects: the backend never sends any, and without follow-redirects the error keeps the raw request.
      maxRedirects: 0,
      headers: { [SERVICE_KEY_HEADER]: serviceKey, 'content-type': 'application/json' },
    });
  }

  /** Raises an alert; the request id makes a repeated call return the first answer instead of a second alert. */
  raiseAlert(body: CreateAlertRequest, requestId: string): Promise<AlertDto> {
    return this.post<AlertDto>('/alert', body, requestId);
  }

  close(): void {
    this.agent.destroy();
  }

  private async post<T>(path: string, body: unknown, requestId: string, attempt = 1): Promise<T> {
    try {
      const response = await this.http.post<T>(path, body, { headers: { [REQUEST_ID_HEADER]: requestId } });
      return response.data;
    } catch (error) {
      if (!axios.isAxiosError(error)) throw error;
      if (error.response) {
        const data = (error.response.data ?? {}) as Partial<ErrorBody>;
        throw new BackendRejectedError(error.response.status, data.error ?? 'unknown', data.detail ?? 'no detail given');
      }
      const reused = (error.request as http.ClientRequest | undefined)?.reusedSocket === true;
      if (attempt === 1 && reused && STALE_SOCKET_CODES.has(error.code ?? '')) {
        // Same request id: if the first try did reach the backend, this one returns its alert, not a new one.
        this.logger.warn('backend closed a reused socket, retrying once', { path, errorCode: error.code });
        return this.post<T>(path, body, requestId, attempt + 1);
      }
      const reason = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' ? 'did not answer in time' : `is unreachable (${error.code ?? error.message})`;
      throw new BackendUnavailableError(`the Klaxon backend ${reason}`, { cause: error });
    }
  }
}
