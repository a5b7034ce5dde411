import type { ServiceRequest } from '@klaxon/contracts';
import { InUseError, NotFoundError, ValidationError } from '../common/errors';
import type { NamedStore, NamedStoreOptions } from './named-store';
import { lockPolicyId } from './escalation-policy.repository';
import { quotedList } from './schedule.service';
import { deleteService, findService, listServices, saveService, type Service } from './service.repository';

/** The tenant's services: what people page by name, each through its escalation policy. */
export class ServiceCatalog implements NamedStore<ServiceRequest, Service> {
  constructor(private readonly options: NamedStoreOptions) {}

  /** Creates or replaces the service; its policy must be the tenant's, and its user group no other service's. */
  async save(tenantId: string, name: string, request: ServiceRequest): Promise<{ saved: Service; created: boolean }> {
    return this.options.db.tx(async (tx) => {
      const policyId = await lockPolicyId(tx, tenantId, request.escalation_policy);
      if (policyId === null) throw new ValidationError(`escalation_policy: tenant ${tenantId} has no escalation policy "${request.escalation_policy}"`);
      const saved = await saveService(tx, {
        tenantId,
        name,
        policyId,
        slackChannel: request.slack_channel ?? null,
        slackUsergroup: request.slack_usergroup ?? null,
        now: this.options.clock.now(),
      });
      if ('usergroupOf' in saved) {
        throw new ValidationError(`slack_usergroup: ${request.slack_usergroup} already belongs to service "${saved.usergroupOf}": a mention of the group must name one service`);
      }
      return { saved: (await findService(tx, tenantId, name))!, created: saved.created };
    });
  }

  async get(tenantId: string, name: string): Promise<Service> {
    const service = await findService(this.options.db, tenantId, name);
    if (!service) throw serviceNotFound(tenantId, name);
    return service;
  }

  /** The named service, or null when the tenant has none of that name. */
  find(tenantId: string, name: string): Promise<Service | null> {
    return findService(this.options.db, tenantId, name);
  }

  list(tenantId: string): Promise<Service[]> {
    return listServices(this.options.db, tenantId);
  }

  /** Refused while a heartbeat raises its alerts for the service. */
  async delete(tenantId: string, name: string): Promise<void> {
    const { deleted, usedBy } = await deleteService(this.options.db, tenantId, name);
    if (usedBy.length > 0) {
      throw new InUseError(`service "${name}" is used by ${usedBy.length === 1 ? 'heartbeat' : 'heartbeats'} ${quotedList(usedBy)}: delete them or give them another service first`, usedBy);
    }
    if (!deleted) throw serviceNotFound(tenantId, name);
  }
}

export const serviceNotFound = (tenantId: string, name: string) => new NotFoundError(`tenant ${tenantId} has no service "${name}"`);
