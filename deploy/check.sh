#!/usr/bin/env bash
# The deployment's monitoring files, checked by the tools that will read them: Prometheus's promtool and
# Alertmanager's amtool (Debian: apt-get install prometheus prometheus-alertmanager). Run: npm run check:deploy.
set -euo pipefail
cd "$(dirname "$0")"

for tool in promtool amtool; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check:deploy: $tool is missing (apt-get install prometheus prometheus-alertmanager)" >&2; exit 1; }
done

echo "== promtool check config"
promtool check config prometheus/prometheus.yml
echo "== promtool check rules"
promtool check rules prometheus/rules.yml
echo "== promtool test rules (a firing and a quiet case for every rule)"
promtool test rules prometheus/rules.test.yml
# Every rule must be named in the tests: a rule added without a case fails here.
missing=$(comm -23 <(grep -oP '^\s*- alert: \K\S+' prometheus/rules.yml | sort -u) <(grep -oP 'alertname: \K\S+' prometheus/rules.test.yml | sort -u))
if [ -n "$missing" ]; then echo "check:deploy: rules without a test case: $missing" >&2; exit 1; fi

echo "== amtool check-config"
amtool check-config alertmanager/klaxon.yml
echo "== amtool config routes test"
expect_route() {
  local want=$1; shift
  local got
  got=$(amtool config routes test --config.file=alertmanager/klaxon.yml "$@" 2>/dev/null)
  if [ "$got" != "$want" ]; then echo "check:deploy: $* routes to '$got', expected '$want'" >&2; exit 1; fi
  echo "  $* -> $got"
}
# Klaxon's own alerts go by email as well as through Klaxon; everyone else's through Klaxon only.
expect_route 'ops-email,klaxon' alertname=KlaxonServiceDown severity=critical
expect_route 'ops-email,klaxon' alertname=KlaxonDatabaseUnreachable
expect_route 'klaxon' alertname=DiskFull severity=critical
echo "check:deploy: all checks passed"
