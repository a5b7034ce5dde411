import type { AlertTarget, RequestedTarget, TargetResolver } from './alert';

// Interim resolver until contact resolution lands (issue 5): keeps targets as named, with no channels.
export const unresolvedTargets: TargetResolver = {
  resolve: async (_tenantId: string, requested: readonly RequestedTarget[]): Promise<AlertTarget[]> =>
    requested.map((t) => ({
      slackUserId: 'slackUserId' in t ? t.slackUserId : null,
      name: null,
      phone: 'phone' in t ? t.phone : null,
      status: 'paging',
      channels: [],
      reason: null,
    })),
};
