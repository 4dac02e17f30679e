#!/usr/bin/env bash
# Installs the Debian packages the tests run for real (shellcheck; the services of the live checks), when
# they are missing and we are root. Run by `npm test` (pretest) and by .ci/run.
set -euo pipefail
# chrony: GluuNode's base step starts it for time sync on hosts without systemd (the live test bed);
# cron: the csync2 cron step; tcpdump: the live check that csync2 traffic between hosts is encrypted;
# openjdk-17-jre-headless: keytool, for the trust store steps (the kind's machines have it already).
# keepalived: the nginx-pair live spec (VRRP between two test hosts) and its --config-test in test/render-keepalived.spec.ts.
# python3-botocore: the live backup spec's S3 server verifies SigV4 signatures with AWS's own implementation.
# wrk: the load-and-fault bench (`npm run bench -- --live`, src/benchLoad.ts) and test/live/loadFaults.live.spec.ts.
# redis-sentinel, haproxy: the redis-ha cache (test/live/redisHa.live.spec.ts, test/render-redisha.spec.ts, src/benchCacheHa.ts).
packages=(shellcheck openssl nginx redis-server redis-tools redis-sentinel haproxy stunnel4 csync2 openbsd-inetd openssh-server openssh-client slapd ldap-utils jq iproute2 chrony cron tcpdump openjdk-17-jre-headless wrk keepalived python3-botocore)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages for the tests: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# slapd asks questions on install; the tests configure their own instance.
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
