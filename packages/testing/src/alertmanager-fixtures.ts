/**
 * One alert as a Kubernetes cluster's Prometheus rules produce it (a dozen labels, summary, description,
 * runbook, generator URL): about 1 kB of a webhook, the size Klaxon's body limit is reasoned in. `i` makes
 * it one of a storm of crash-looping pods (distinct labels, so a distinct fingerprint in Alertmanager).
 */
export function realisticAlertmanagerAlert(i: number, labels: Record<string, string> = {}): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
} {
  const pod = `checkout-7d9f8b6c5-${i.toString(36).padStart(5, '0')}`;
  return {
    labels: {
      alertname: 'KubePodCrashLooping',
      severity: 'warning',
      cluster: 'prod-eu-1',
      region: 'eu-west-1',
      namespace: 'payments',
      service: 'checkout',
      team: 'payments',
      pod,
      container: 'checkout',
      instance: `10.2.${Math.floor(i / 250) % 250}.${i % 250}:8080`,
      job: 'kube-state-metrics',
      prometheus: 'monitoring/k8s',
      ...labels,
    },
    annotations: {
      summary: `Pod payments/${pod} is crash looping`,
      description: `Pod payments/${pod} (container checkout) has been in waiting state (reason CrashLoopBackOff) for more than 15 minutes; the last restart exited with code 137 (OOMKilled).`,
      runbook_url: 'https://runbooks.example.com/kubernetes/kubepodcrashlooping',
    },
    generatorURL:
      'http://prometheus.example:9090/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting_reason%7Breason%3D%22CrashLoopBackOff%22%2Cjob%3D%22kube-state-metrics%22%7D%5B5m%5D%29+%3E%3D+1&g0.tab=1',
  };
}
