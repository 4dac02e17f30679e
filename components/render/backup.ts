// Backups of the directory and the files a node cannot be rebuilt without (DirectoryBackup), and the restore.
//
// On the backup node: a job (/usr/local/sbin/gluu-backup) run by a systemd timer where systemd runs, by cron
// otherwise. Each run exports o=gluu and o=site ONLINE with the version's own OpenDJ `export-ldif` (a task sent to
// the administration connector; OpenDJ keeps serving), packs the LDIF with /etc/certs, /etc/gluu/conf (the salt)
// and the OpenDJ keystore, truststore and PIN, writes a manifest of inner SHA-256 sums, encrypts the archive ON
// THE HOST to an X.509 recipient certificate (`openssl cms -encrypt -aes256`; the private key never reaches the
// host except for the one restore that needs it), stores its SHA-256 beside it, uploads both to S3-compatible
// storage (Spaces on droplets) with a small SigV4 client (s3.py below, python 2.7 and 3.x, no packages), and
// applies retention locally (`keepLocal` copies) and remotely (objects older than `keepDays`).
//
// Upstream facts (cited next to the code that uses them):
// - export-ldif / import-ldif run as a TASK when any connection argument is given (TaskTool.processAsTask =
//   argParser.connectionArgumentsPresent()), over LDAPS to the administration connector (alwaysSSL = true):
//   OpenIdentityPlatform/OpenDJ@185acee [3.0.0]:opendj-server-legacy/src/main/java/org/opends/server/tools/tasks/TaskTool.java:107,131-138,355-369;
//   GluuFederation/gluu-opendj4@ccae6b0 [4.5.3]: same file :94,136. The task runs inside the server (as its user,
//   `ldap` in Gluu's containers), so the LDIF directory must be writable by that user.
// - Options: `--backendID/-n`, `--ldifFile/-l`, `--includeBranch/-b`, `--clearBackend/-F` (import) — ExportLDIF.java
//   :197-230 and ImportLDIF.java (3.0.0); ExportLDIF.java:144-237, ImportLDIF.java:249-380 (4.5.3). Option tables:
//   test/live/opendjOptions.ts.
// - Backends: o=gluu lives in `userRoot`, o=site in `site`, in both versions:
//   GluuFederation/community-edition-setup@version_3.1.6.sp1:setup.py:2767-2771 (set-backend-prop userRoot,
//   create-backend site base-dn:o=site); @version_4.5.5:setup_app/installers/opendj.py:334,394.

import { GluuVersionProfile } from "../profiles";
import { containerService, inContainer } from "./container";
import {
    DEFAULT_BASE_DNS,
    OPENDJ_BIN,
    OPENDJ_CONFIG,
    OPENDJ_KEY_FILES,
    REPLICATION_INIT_MARKER,
    REPLICATION_STATUS_AWK,
    WAIT_PORT_FUNCTION,
    assertHost,
    assertPort,
    secretFilesFromStdin,
} from "./opendj";
import { STATE_DIR, heredoc, script, shq } from "./shell";

/** Which OpenDJ backend holds each backed-up base DN (same in 3.1.6 and 4.5; see the header). */
export const BACKUP_BACKENDS: ReadonlyArray<{ baseDn: string; backendId: string }> = [
    { baseDn: "o=gluu", backendId: "userRoot" },
    { baseDn: "o=site", backendId: "site" },
];
/** Files under the container root that a node cannot be rebuilt without (relative to the container root). */
export const BACKUP_FILES: readonly string[] = ["etc/certs", "etc/gluu/conf", ...OPENDJ_KEY_FILES.map((f) => `${OPENDJ_CONFIG.slice(1)}/${f}`)];

/** Paths on the backup node's host. */
export const BACKUP_PATHS = {
    job: "/usr/local/sbin/gluu-backup",
    client: "/usr/local/lib/gluu-backup/s3.py",
    confDir: "/etc/gluu-backup",
    recipient: "/etc/gluu-backup/recipient.pem",
    s3Config: "/etc/gluu-backup/s3.json",
    dmPassword: "/etc/gluu-backup/directory-manager.pw",
    settings: "/etc/gluu-backup/settings",
    localDir: "/var/backups/gluu",
    lastSuccess: `${STATE_DIR}/backup-last-success`,
    lastFailure: `${STATE_DIR}/backup-last-failure`,
    unit: "/etc/systemd/system/gluu-backup.service",
    timer: "/etc/systemd/system/gluu-backup.timer",
    cron: "/etc/cron.d/gluu-backup",
    /** Inside the container: where the export task (running as the OpenDJ user) writes the LDIF. */
    exportDir: "/var/lib/gluu-cluster-export",
} as const;

/** A backup's name: `gluu-backup-<node>-<UTC stamp>`; objects are `<prefix><name>.tar.cms` and `.tar.cms.sha256`. */
export const BACKUP_NAME = /^gluu-backup-[a-z0-9][a-z0-9-]*-[0-9]{8}T[0-9]{6}Z$/;

// ---------------------------------------------------------------------------------------------------------
// Validation (pure; every message names the key or field it is about)

const DOW = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

/** A parsed `backupSchedule`: the systemd OnCalendar expression and the equivalent cron time fields. */
export interface BackupSchedule {
    onCalendar: string;
    cron: string;
}

/**
 * Parse a backup schedule: a subset of systemd's OnCalendar syntax that cron can express exactly —
 * `hourly`, `daily`, `weekly`, `HH:MM`, `*-*-* HH:MM[:00]`, or weekdays before a time (`Mon,Thu 02:30`,
 * `Mon..Fri 02:30`). Returns the problem text instead when it is not one of those.
 */
export function parseBackupSchedule(value: string): BackupSchedule | string {
    const v = value.trim();
    const help = "use `hourly`, `daily`, `weekly`, `HH:MM` (e.g. `02:30`), `*-*-* HH:MM`, or weekdays and a time (`Mon,Thu 02:30`, `Mon..Fri 02:30`)";
    if (v === "hourly") return { onCalendar: "hourly", cron: "0 * * * *" };
    if (v === "daily") return { onCalendar: "daily", cron: "0 0 * * *" };
    if (v === "weekly") return { onCalendar: "weekly", cron: "0 0 * * 1" };
    const m = /^(?:((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:(?:,|\.\.)(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun))*) |\*-\*-\* )?([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$/.exec(v);
    if (!m) return `${JSON.stringify(value)} is not a schedule this library understands: ${help}`;
    const [, days, hh, mm, ss] = m;
    const h = Number(hh);
    const min = Number(mm);
    if (h > 23 || min > 59) return `${JSON.stringify(value)} has no such time of day (hours 0–23, minutes 0–59)`;
    if (ss !== undefined && ss !== "00") return `${JSON.stringify(value)} has seconds ${ss}: cron runs on whole minutes, use :00 or leave them out`;
    let cronDays = "*";
    let calDays = "*-*-*";
    if (days) {
        const nums: number[] = [];
        for (const part of days.split(",")) {
            const r = part.split("..");
            if (r.length === 2) {
                const a = DOW.indexOf(r[0] as (typeof DOW)[number]);
                const b = DOW.indexOf(r[1] as (typeof DOW)[number]);
                if (b < a) return `${JSON.stringify(value)}: the weekday range ${part} runs backwards (write Mon..Fri, not Fri..Mon)`;
                for (let i = a; i <= b; i++) nums.push(i);
            } else if (r.length === 1) {
                nums.push(DOW.indexOf(r[0] as (typeof DOW)[number]));
            } else {
                return `${JSON.stringify(value)}: ${part} is not a weekday or a range like Mon..Fri`;
            }
        }
        const uniq = [...new Set(nums)].sort((x, y) => x - y);
        // cron: 0 or 7 = Sunday, 1 = Monday.
        cronDays = uniq.map((i) => String((i + 1) % 7)).join(",");
        calDays = `${days}`;
    }
    const two = (n: number) => String(n).padStart(2, "0");
    return { onCalendar: `${calDays} ${two(h)}:${two(min)}:00`, cron: `${min} ${h} * * ${cronDays}` };
}

/** Problems with a schedule value (for `gluu:backupSchedule` / `schedule`). */
export function backupScheduleProblems(key: string, value: string): string[] {
    const r = parseBackupSchedule(value);
    return typeof r === "string" ? [`\`${key}\` ${r}`] : [];
}

/** An integer count in a range, e.g. `keepLocal` 1–100. */
export function integerProblems(key: string, value: unknown, min: number, max: number, what: string): string[] {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        return [`\`${key}\` must be an integer ${min}–${max} (${what}), got ${JSON.stringify(value)}`];
    }
    return [];
}

/**
 * S3 bucket naming rules (AWS "Bucket naming rules", which Spaces applies as well): 3–63 characters, lower-case
 * letters, digits, dots and hyphens, starting and ending with a letter or digit, no `..`, not formatted like an IPv4
 * address, not starting with `xn--` or `sthree-`, not ending in `-s3alias` or `--ol-s3`. Dots are refused as well:
 * with virtual-host addressing a dotted name breaks the endpoint's TLS wildcard certificate.
 */
export function bucketNameProblems(key: string, value: string): string[] {
    const p: string[] = [];
    const say = (why: string) => p.push(`\`${key}\` ${JSON.stringify(value)} ${why}`);
    if (value.length < 3 || value.length > 63) say("must be 3–63 characters long (S3 bucket naming rules)");
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(value)) say("must use lower-case letters, digits and hyphens only, starting and ending with a letter or digit");
    if (value.includes(".")) say("must not contain dots: a dotted bucket name does not match the endpoint's wildcard TLS certificate");
    if (/^\d+\.\d+\.\d+\.\d+$/.test(value)) say("must not look like an IP address");
    if (/^(xn--|sthree-)/.test(value) || /(-s3alias|--ol-s3)$/.test(value)) say("uses a prefix or suffix S3 reserves (xn--, sthree-, -s3alias, --ol-s3)");
    return p;
}

/**
 * DigitalOcean Spaces regions the provider accepts for a bucket (`validation.StringInSlice(SpacesRegions, true)`):
 * digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/spaces/spaces_entities.go:16,
 * resource_spaces_bucket.go:45-51.
 */
export const SPACES_REGIONS: readonly string[] = ["ams3", "atl1", "blr1", "fra1", "lon1", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1"];

/** A signing region: for Spaces one of SPACES_REGIONS; for another S3 endpoint a region name like `us-east-1`. */
export function backupRegionProblems(key: string, value: string, spaces: boolean): string[] {
    if (spaces) {
        return SPACES_REGIONS.includes(value.toLowerCase()) ? [] : [`\`${key}\` ${JSON.stringify(value)} is not a Spaces region; use one of ${SPACES_REGIONS.join(", ")}`];
    }
    return /^[a-z0-9][a-z0-9-]{0,31}$/.test(value) ? [] : [`\`${key}\` ${JSON.stringify(value)} must be a region name like \`us-east-1\` (lower-case letters, digits, hyphens; it is part of the request signature)`];
}

function privateIpv4(host: string): boolean {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
    if (!m) return host === "localhost";
    const [a, b] = [Number(m[1]), Number(m[2])];
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * An S3 endpoint: `https://host[:port]` (no path, query, credentials); plain `http://` only to a private address
 * (RFC 1918 or loopback, e.g. a MinIO on the VPC), since the archive is encrypted but the request is not.
 */
export function backupEndpointProblems(key: string, value: string): string[] {
    let u: URL;
    try {
        u = new URL(value);
    } catch {
        return [`\`${key}\` ${JSON.stringify(value)} is not a URL; write it like \`https://fra1.digitaloceanspaces.com\``];
    }
    const p: string[] = [];
    if (u.protocol !== "https:" && !(u.protocol === "http:" && privateIpv4(u.hostname))) {
        p.push(`\`${key}\` must be an https:// URL (plain http:// only to a private address such as 10.x.x.x), got ${JSON.stringify(value)}`);
    }
    if (u.username || u.password) p.push(`\`${key}\` must not carry credentials; set \`gluu:backupAccessKeyId\` and \`gluu:backupSecretAccessKey\` (secrets)`);
    if ((u.pathname !== "/" && u.pathname !== "") || u.search || u.hash) p.push(`\`${key}\` must be the endpoint only (scheme, host, port), without a path or query: the bucket is \`gluu:backupBucket\``);
    if (!/^[A-Za-z0-9.-]+$/.test(u.hostname)) p.push(`\`${key}\` has an unusable host name ${JSON.stringify(u.hostname)}`);
    return p;
}

/** The Spaces endpoint of a region (path-style requests go to it). */
export function spacesEndpoint(region: string): string {
    return `https://${region.toLowerCase()}.digitaloceanspaces.com`;
}

/** A restore request: a backup name as the job makes them (`gluu-backup-<node>-<YYYYMMDDTHHMMSSZ>`). */
export function restoreFromProblems(key: string, value: string): string[] {
    return BACKUP_NAME.test(value)
        ? []
        : [`\`${key}\` ${JSON.stringify(value)} must name a backup like \`gluu-backup-gluu-1-20260101T000000Z\` (see the \`lastBackup\` output or the bucket listing)`];
}

// ---------------------------------------------------------------------------------------------------------
// Stdin lines and the client configuration

/** Settings of the backup job (no secrets). */
export interface BackupJobOptions {
    profile: GluuVersionProfile;
    /** The node's name (part of every backup's name). */
    node: string;
    /** Backups kept on the host. */
    keepLocal: number;
    /** Days a backup is kept in the bucket. */
    keepDays: number;
    /** Object key prefix in the bucket, e.g. `gluu/` (may be empty). */
    prefix: string;
    /** OpenDJ administration connector port. Default 4444. */
    adminPort?: number;
}

/** The S3 client's configuration (JSON, 0600 on the host; holds the secret key). */
export interface S3ClientConfig {
    endpoint: string;
    region: string;
    bucket: string;
    accessKeyId: string;
    secretAccessKey: string;
}

/** The client's configuration as one JSON line (secret). */
export function s3ConfigJson(c: S3ClientConfig): string {
    for (const [k, v] of Object.entries(c)) {
        if (typeof v !== "string" || v === "" || /[\r\n]/.test(v)) {
            throw new Error(`\`${k}\` of the backup storage must be a non-empty single line`);
        }
    }
    return JSON.stringify({ endpoint: c.endpoint.replace(/\/+$/, ""), region: c.region, bucket: c.bucket, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey });
}

/** Stdin of `backupInstallScript`: line 1 the Directory Manager password, line 2 the client configuration JSON. */
export function backupInstallStdin(directoryManagerPassword: string, s3: S3ClientConfig): string {
    if (directoryManagerPassword === "" || /[\r\n]/.test(directoryManagerPassword)) {
        throw new Error("`directoryManagerPassword` must be a non-empty single line");
    }
    return `${directoryManagerPassword}\n${s3ConfigJson(s3)}\n`;
}

// ---------------------------------------------------------------------------------------------------------
// The S3 client (python 2.7 and 3.x, standard library only)

/**
 * The SigV4 S3 client the job and the restore use: `s3.py CONFIG put FILE KEY`, `get KEY FILE`, `list PREFIX`
 * (key, last-modified epoch, size per line), `delete KEY`, `prune PREFIX DAYS`. Path-style requests
 * (`<endpoint>/<bucket>/<key>`), every request signed with AWS Signature Version 4 over the payload's SHA-256
 * (docs.aws.amazon.com AmazonS3 API "Authenticating Requests: Using the Authorization Header"); retried with
 * exponential backoff on network errors, 5xx and 429. The secret comes from the 0600 config file only: never from
 * argv or the environment, never printed. Written for python 2.7 (CentOS 7 hosts of Gluu 3.1.6) and 3.x: no
 * f-strings, no type hints, `from __future__ import print_function`.
 */
export const S3_CLIENT_PY = String.raw`# -*- coding: utf-8 -*-
# gluu-cluster backup storage client: a small S3 client with AWS Signature Version 4 (python 2.7 and 3.x).
# Usage: s3.py CONFIG put FILE KEY | get KEY FILE | list PREFIX | delete KEY | prune PREFIX DAYS
# CONFIG is a 0600 JSON file: endpoint, region, bucket, accessKeyId, secretAccessKey.
from __future__ import print_function
import datetime
import hashlib
import hmac
import json
import os
import socket
import ssl
import sys
import time
import xml.etree.ElementTree as ET
try:
    from urllib.parse import quote, urlparse
    import http.client as httplib
except ImportError:  # python 2
    from urllib import quote
    from urlparse import urlparse
    import httplib

ATTEMPTS = 5
CHUNK = 1024 * 1024


class S3Error(Exception):
    def __init__(self, status, code, message, retry=False):
        Exception.__init__(self, "HTTP %s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.retry = retry


def die(msg):
    sys.stderr.write("s3.py: %s\n" % msg)
    sys.exit(2)


def load_config(path):
    st = os.stat(path)
    if st.st_mode & 0o077:
        die("%s must not be readable by group or others (mode 0600)" % path)
    with open(path) as f:
        cfg = json.load(f)
    for k in ("endpoint", "region", "bucket", "accessKeyId", "secretAccessKey"):
        if not cfg.get(k):
            die("%s lacks %s" % (path, k))
    return cfg


def to_bytes(s):
    if isinstance(s, bytes):
        return s
    return s.encode("utf-8")


def uri_encode(s, keep_slash):
    return quote(to_bytes(s), safe="-_.~" + ("/" if keep_slash else ""))


def hmac256(key, msg):
    return hmac.new(key, to_bytes(msg), hashlib.sha256).digest()


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


class Client(object):
    def __init__(self, cfg):
        self.cfg = cfg
        u = urlparse(cfg["endpoint"])
        if u.scheme not in ("https", "http"):
            die("endpoint must be https:// (or http:// to a private address)")
        self.scheme = u.scheme
        self.host = u.netloc
        self.base = u.path.rstrip("/")

    def connection(self):
        if self.scheme == "https":
            if not hasattr(ssl, "create_default_context"):
                die("this python cannot verify TLS certificates (no ssl.create_default_context): use python >= 2.7.9")
            return httplib.HTTPSConnection(self.host, timeout=60, context=ssl.create_default_context())
        return httplib.HTTPConnection(self.host, timeout=60)

    def sign(self, method, path, query, payload_hash):
        now = datetime.datetime.utcnow()
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        day = amz_date[:8]
        headers = {"host": self.host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
        names = sorted(headers)
        canonical = "\n".join([
            method,
            uri_encode(path, True),
            "&".join("%s=%s" % (uri_encode(k, False), uri_encode(v, False)) for k, v in sorted(query.items())),
            "".join("%s:%s\n" % (n, headers[n]) for n in names),
            ";".join(names),
            payload_hash,
        ])
        scope = "%s/%s/s3/aws4_request" % (day, self.cfg["region"])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(to_bytes(canonical)).hexdigest()])
        key = hmac256(to_bytes("AWS4" + self.cfg["secretAccessKey"]), day)
        for part in (self.cfg["region"], "s3", "aws4_request"):
            key = hmac256(key, part)
        signature = hmac.new(key, to_bytes(to_sign), hashlib.sha256).hexdigest()
        headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            self.cfg["accessKeyId"], scope, ";".join(names), signature)
        return headers

    def once(self, method, key, query, body_path, payload_hash, sink):
        path = self.base + "/" + self.cfg["bucket"] + ("/" + key if key else "")
        headers = self.sign(method, path, query, payload_hash)
        url = uri_encode(path, True)
        if query:
            url += "?" + "&".join("%s=%s" % (uri_encode(k, False), uri_encode(v, False)) for k, v in sorted(query.items()))
        conn = self.connection()
        try:
            conn.putrequest(method, url, skip_host=True, skip_accept_encoding=True)
            for n, v in headers.items():
                conn.putheader(n, v)
            size = os.path.getsize(body_path) if body_path else 0
            conn.putheader("content-length", str(size))
            conn.endheaders()
            if body_path:
                with open(body_path, "rb") as f:
                    while True:
                        b = f.read(CHUNK)
                        if not b:
                            break
                        conn.send(b)
            resp = conn.getresponse()
            if resp.status >= 300:
                data = resp.read()
                code, message = "", ""
                try:
                    root = ET.fromstring(data)
                    for el in root:
                        if el.tag.endswith("Code"):
                            code = el.text or ""
                        elif el.tag.endswith("Message"):
                            message = el.text or ""
                except Exception:
                    message = data[:200].decode("utf-8", "replace")
                raise S3Error(resp.status, code, message, retry=resp.status >= 500 or resp.status == 429)
            return sink(resp)
        finally:
            conn.close()

    def request(self, method, key="", query=None, body_path=None, sink=None):
        query = query or {}
        payload_hash = file_sha256(body_path) if body_path else hashlib.sha256(b"").hexdigest()
        sink = sink or (lambda r: r.read())
        delay = 1
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self.once(method, key, query, body_path, payload_hash, sink)
            except S3Error as e:
                if not e.retry or attempt == ATTEMPTS:
                    raise
                err = e
            except (socket.error, httplib.HTTPException) as e:
                if attempt == ATTEMPTS:
                    raise S3Error("-", "NetworkError", str(e))
                err = e
            sys.stderr.write("s3.py: %s %s failed (%s), attempt %d of %d; retrying in %d s\n" % (method, key or "/", err, attempt, ATTEMPTS, delay))
            time.sleep(delay)
            delay *= 2

    def put(self, path, key):
        self.request("PUT", key, body_path=path)

    def get(self, key, path):
        tmp = path + ".part"

        def sink(resp):
            with open(tmp, "wb") as f:
                while True:
                    b = resp.read(CHUNK)
                    if not b:
                        break
                    f.write(b)
        self.request("GET", key, sink=sink)
        os.rename(tmp, path)

    def list(self, prefix):
        out = []
        token = None
        while True:
            q = {"list-type": "2", "prefix": prefix}
            if token:
                q["continuation-token"] = token
            root = ET.fromstring(self.request("GET", "", query=q))
            token = None
            truncated = False
            for el in root:
                tag = el.tag.split("}")[-1]
                if tag == "Contents":
                    item = dict((c.tag.split("}")[-1], c.text or "") for c in el)
                    out.append((item["Key"], parse_time(item["LastModified"]), int(item.get("Size", "0"))))
                elif tag == "IsTruncated":
                    truncated = (el.text or "").strip() == "true"
                elif tag == "NextContinuationToken":
                    token = el.text
            if not truncated or not token:
                return out

    def delete(self, key):
        self.request("DELETE", key)


def parse_time(s):
    # S3 returns e.g. 2026-01-01T02:30:00.000Z
    d = datetime.datetime.strptime(s.split(".")[0].rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    return int((d - datetime.datetime(1970, 1, 1)).total_seconds())


def main(argv):
    if len(argv) < 3:
        die("usage: s3.py CONFIG put FILE KEY | get KEY FILE | list PREFIX | delete KEY | prune PREFIX DAYS")
    client = Client(load_config(argv[1]))
    op, args = argv[2], argv[3:]
    try:
        if op == "put" and len(args) == 2:
            client.put(args[0], args[1])
        elif op == "get" and len(args) == 2:
            client.get(args[0], args[1])
        elif op == "list" and len(args) == 1:
            for key, modified, size in client.list(args[0]):
                print("%s\t%d\t%d" % (key, modified, size))
        elif op == "delete" and len(args) == 1:
            client.delete(args[0])
        elif op == "prune" and len(args) == 2:
            cutoff = time.time() - int(args[1]) * 86400
            for key, modified, _ in client.list(args[0]):
                if modified < cutoff:
                    client.delete(key)
                    print("deleted %s" % key)
        else:
            die("unknown command or wrong arguments: %s" % " ".join([op] + args))
    except S3Error as e:
        sys.stderr.write("s3.py: %s %s\n" % (op, e))
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv)
`;

// ---------------------------------------------------------------------------------------------------------
// The job

/** `py_run ARGS...`: the host's python (3 where present, else 2.7) running the client. */
const PYTHON_FUNCTION = [
    `py_run() {`,
    `  local py`,
    `  for py in /usr/bin/python3 /usr/bin/python2 /usr/bin/python; do`,
    `    if [ -x "$py" ]; then "$py" ${shq(BACKUP_PATHS.client)} ${shq(BACKUP_PATHS.s3Config)} "$@"; return; fi`,
    `  done`,
    `  echo "no python on this host (the backup storage client needs python 2.7 or 3)" >&2`,
    `  return 1`,
    `}`,
].join("\n");

function exportInner(profile: GluuVersionProfile, adminPort: number): string {
    const exportCalls = BACKUP_BACKENDS.map(
        (b) =>
            `export_backend ${shq(b.backendId)} ${shq(b.baseDn)}`,
    );
    return script(
        `Inside the Gluu ${profile.version} container: export the directory online (export-ldif tasks)`,
        WAIT_PORT_FUNCTION,
        secretFilesFromStdin([{ variable: "dm_pw_file", what: "the Directory Manager password" }]),
        [
            `dj_bin=${shq(OPENDJ_BIN)}`,
            `if [ -d /opt/jre ]; then export OPENDJ_JAVA_HOME=/opt/jre; fi`,
            `if [ ! -x "$dj_bin/export-ldif" ]; then echo "$dj_bin/export-ldif not found: is Gluu set up on this node?" >&2; exit 1; fi`,
            `wait_port 127.0.0.1 ${adminPort} 120 "OpenDJ administration connector"`,
            `# The task runs inside OpenDJ, as its user (ldap): the directory must be writable by it and by nobody else.`,
            `out=${shq(BACKUP_PATHS.exportDir)}`,
            `rm -rf -- "$out"`,
            `install -d -m 0700 -o ldap -g ldap "$out"`,
            `export_backend() {`,
            `  local backend="$1" base="$2" log`,
            `  log="$secret_dir/export-$backend.log"`,
            `  if ! "$dj_bin/export-ldif" --hostname localhost --port ${adminPort} --bindDN 'cn=directory manager' \\`,
            `      --bindPasswordFile "$dm_pw_file" --trustAll --noPropertiesFile \\`,
            `      --backendID "$backend" --includeBranch "$base" --ldifFile "$out/$backend.ldif" > "$log" 2>&1; then`,
            `    cat "$log" >&2`,
            `    echo "export-ldif of $base (backend $backend) failed (output above)" >&2`,
            `    exit 1`,
            `  fi`,
            `  if [ ! -s "$out/$backend.ldif" ]; then echo "export-ldif reported success but wrote no $out/$backend.ldif" >&2; exit 1; fi`,
            `}`,
            ...exportCalls,
        ].join("\n"),
    );
}

/**
 * The backup job (/usr/local/sbin/gluu-backup) on the backup node's host: export, pack, encrypt, checksum, upload,
 * retention, status. Runs unattended (timer or cron); prints nothing on success but the backup's name, and on
 * failure the reason on stderr (cron mails it, the unit's status shows it), records it in
 * /var/lib/gluu-cluster/backup-last-failure and exits non-zero. One run at a time (flock).
 */
export function backupJobScript(o: BackupJobOptions): string {
    const adminPort = assertPort("adminPort", o.adminPort ?? 4444);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(o.node)) throw new Error(`\`node\` must be a lower-case host name, got ${JSON.stringify(o.node)}`);
    if (!/^([A-Za-z0-9._-]+\/)*$/.test(o.prefix)) throw new Error(`\`prefix\` must be empty or like \`gluu/\`, got ${JSON.stringify(o.prefix)}`);
    const files = BACKUP_FILES.map(shq).join(" ");
    return script(
        `gluu-cluster backup job: export o=gluu and o=site, pack the node's secrets, encrypt, upload (Gluu ${o.profile.version}, node ${o.node})`,
        PYTHON_FUNCTION,
        [
            `exec 9>/run/gluu-backup.lock`,
            `if ! flock -n 9; then echo "another gluu-backup run is in progress" >&2; exit 1; fi`,
            `local_dir=${shq(BACKUP_PATHS.localDir)}`,
            `prefix=${shq(o.prefix)}`,
            `stamp=$(date -u +%Y%m%dT%H%M%SZ)`,
            `# A second run within the same second (a manual run next to the timer) must not reuse a name.`,
            `while [ -e "$local_dir/gluu-backup-${o.node}-$stamp.tar.cms" ]; do sleep 1; stamp=$(date -u +%Y%m%dT%H%M%SZ); done`,
            `name="gluu-backup-${o.node}-$stamp"`,
            `fail() {`,
            `  local why="$1"`,
            `  install -d -m 0700 ${STATE_DIR}`,
            `  printf '%s %s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$why" > ${BACKUP_PATHS.lastFailure}`,
            `  logger -t gluu-backup "backup $name FAILED: $why" 2>/dev/null || true`,
            `  echo "gluu-backup: backup $name FAILED: $why" >&2`,
            `  exit 1`,
            `}`,
            `# Any other failing command is a failed backup too, recorded the same way (cron mails it, the status shows it).`,
            `trap 'fail "unexpected failure at line $LINENO of ${BACKUP_PATHS.job}"' ERR`,
            `install -d -m 0700 "$local_dir"`,
            `find "$local_dir" -maxdepth 1 -name '.work.*' -mmin +720 -exec rm -rf -- {} + 2>/dev/null || true`,
            `work=$(mktemp -d "$local_dir/.work.XXXXXX")`,
            `cleanup_paths+=("$work")`,
            `mkdir "$work/stage" "$work/stage/ldif"`,
        ].join("\n"),
        [
            `# 1. The directory, exported online by the version's own export-ldif (the DM password on stdin).`,
            `# A brace group, not a subshell: the container wrapper's temporary files stay registered for the cleanup trap.`,
            `if ! {`,
            // Not indented: the wrapper holds a here-document.
            inContainer(o.profile, exportInner(o.profile, adminPort)),
            `} < ${shq(BACKUP_PATHS.dmPassword)}; then`,
            `  fail "the LDIF export failed"`,
            `fi`,
            `export_dir="$gluu_root"${shq(BACKUP_PATHS.exportDir)}`,
            `for b in ${BACKUP_BACKENDS.map((b) => b.backendId).join(" ")}; do`,
            `  [ -s "$export_dir/$b.ldif" ] || fail "the export of backend $b is missing or empty"`,
            `  cp "$export_dir/$b.ldif" "$work/stage/ldif/$b.ldif"`,
            `done`,
            `rm -rf -- "$export_dir"`,
        ].join("\n"),
        [
            `# 2. The files a node cannot be rebuilt without (owners and modes kept, numeric ids of the container).`,
            `files=()`,
            `for f in ${files}; do`,
            `  if [ -e "$gluu_root/$f" ]; then files+=("$f"); elif [ "$f" != ${shq(`${OPENDJ_CONFIG.slice(1)}/truststore`)} ]; then fail "$gluu_root/$f is missing"; fi`,
            `done`,
            `tar -C "$gluu_root" --numeric-owner -cpf "$work/stage/files.tar" -- "\${files[@]}" || fail "tar of the node's files failed"`,
            `# 3. What is inside, and the inner checksums (verified again on restore).`,
            `printf '{"name":"%s","created":"%s","node":"%s","version":"%s","backends":{${BACKUP_BACKENDS.map((b) => `"${b.backendId}":"${b.baseDn}"`).join(",")}}}\\n' \\`,
            `  "$name" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${shq(o.node)} ${shq(o.profile.version)} > "$work/stage/backup.json"`,
            `(cd "$work/stage" && sha256sum backup.json files.tar ldif/*.ldif > MANIFEST.sha256)`,
            `tar -C "$work/stage" -cf "$work/$name.tar" backup.json MANIFEST.sha256 files.tar ldif`,
            `# 4. Encrypted on this host to the recipient certificate (its private key is not here), then checksummed.`,
            `openssl cms -encrypt -binary -aes256 -outform DER -in "$work/$name.tar" -out "$work/$name.tar.cms" ${shq(BACKUP_PATHS.recipient)} \\`,
            `  || fail "openssl cms -encrypt failed"`,
            `rm -f "$work/$name.tar"`,
            `(cd "$work" && sha256sum "$name.tar.cms" > "$name.tar.cms.sha256")`,
            `chmod 0600 "$work/$name.tar.cms" "$work/$name.tar.cms.sha256"`,
            `mv -f "$work/$name.tar.cms" "$work/$name.tar.cms.sha256" "$local_dir/"`,
        ].join("\n"),
        [
            `# 5. Off the cluster: the archive first, its checksum last (a listed .sha256 means a complete upload).`,
            `py_run put "$local_dir/$name.tar.cms" "$prefix$name.tar.cms" || fail "upload of $name.tar.cms failed"`,
            `py_run put "$local_dir/$name.tar.cms.sha256" "$prefix$name.tar.cms.sha256" || fail "upload of $name.tar.cms.sha256 failed"`,
            `# 6. Retention: the newest ${o.keepLocal} here; objects older than ${o.keepDays} days in the bucket.`,
            `find "$local_dir" -maxdepth 1 -name 'gluu-backup-*.tar.cms' -printf '%f\\n' | sort -r | tail -n +${o.keepLocal + 1} | while IFS= read -r old; do`,
            `  rm -f -- "$local_dir/$old" "$local_dir/$old.sha256"`,
            `done`,
            `py_run prune "\${prefix}gluu-backup-" ${o.keepDays} >/dev/null || fail "pruning backups older than ${o.keepDays} days in the bucket failed"`,
            `# 7. Visible success: the stack output \`lastBackup\` reads this file.`,
            `install -d -m 0700 ${STATE_DIR}`,
            `printf '%s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" > ${BACKUP_PATHS.lastSuccess}.tmp`,
            `mv -f ${BACKUP_PATHS.lastSuccess}.tmp ${BACKUP_PATHS.lastSuccess}`,
            `logger -t gluu-backup "backup $name uploaded" 2>/dev/null || true`,
            `echo "$name"`,
        ].join("\n"),
    );
}

/** The systemd service and timer of the job (systemd hosts). */
export function backupUnits(schedule: BackupSchedule): { service: string; timer: string } {
    return {
        service: [
            `[Unit]`,
            `Description=gluu-cluster backup of the directory and the node's secrets`,
            `After=network-online.target`,
            `Wants=network-online.target`,
            ``,
            `[Service]`,
            `Type=oneshot`,
            `ExecStart=${BACKUP_PATHS.job}`,
            `Nice=10`,
            `IOSchedulingClass=best-effort`,
            `IOSchedulingPriority=7`,
            ``,
        ].join("\n"),
        timer: [
            `[Unit]`,
            `Description=gluu-cluster backup schedule`,
            ``,
            `[Timer]`,
            `OnCalendar=${schedule.onCalendar}`,
            `Persistent=true`,
            `RandomizedDelaySec=300`,
            ``,
            `[Install]`,
            `WantedBy=timers.target`,
            ``,
        ].join("\n"),
    };
}

/** The /etc/cron.d line of the job (hosts without systemd). cron mails what the job prints on failure to MAILTO. */
export function backupCronLine(schedule: BackupSchedule): string {
    return `${schedule.cron} root ${BACKUP_PATHS.job} >/dev/null`;
}

/** Options of `backupInstallScript`. */
export interface BackupInstallOptions extends BackupJobOptions {
    /** `backupSchedule` value. */
    schedule: string;
    /** The recipient certificate (PEM; public). */
    recipientCertPem: string;
}

/**
 * Install the backup job on the backup node's host (a remote step; idempotent): the client, the recipient
 * certificate, the job, the secrets (from stdin into 0600 files of a 0700 directory), and the schedule (a systemd
 * timer where systemd runs as PID 1, else an /etc/cron.d entry; the other one is removed).
 *
 * stdin: line 1 the Directory Manager password, line 2 the client configuration JSON (`backupInstallStdin`).
 */
export function backupInstallScript(o: BackupInstallOptions): string {
    const sched = parseBackupSchedule(o.schedule);
    if (typeof sched === "string") throw new Error(`\`schedule\` ${sched}`);
    if (!/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(o.recipientCertPem)) {
        throw new Error("`recipientCertPem` must be one PEM certificate");
    }
    const units = backupUnits(sched);
    const P = BACKUP_PATHS;
    return script(
        `Install the backup job on ${o.node} (Gluu ${o.profile.version}; schedule ${o.schedule})`,
        `put_secret() {`,
        `  local path="$1" line="" tmp`,
        `  IFS= read -r line || true`,
        `  if [ -z "$line" ]; then echo "stdin line for $path is missing" >&2; exit 1; fi`,
        `  tmp=$(mktemp "$path.XXXXXX")`,
        `  cleanup_paths+=("$tmp")`,
        `  chmod 0600 "$tmp"`,
        `  printf '%s\\n' "$line" > "$tmp"`,
        `  if [ -f "$path" ] && cmp -s "$tmp" "$path"; then return 0; fi`,
        `  mv -f "$tmp" "$path"`,
        `  echo "changed $path"`,
        `}`,
        `put_public() {`,
        `  local path="$1" mode="$2" tmp`,
        `  [ -d "$(dirname "$path")" ] || install -d -m 0755 "$(dirname "$path")"`,
        `  tmp=$(mktemp "$path.XXXXXX")`,
        `  cleanup_paths+=("$tmp")`,
        `  cat > "$tmp"`,
        `  chmod "$mode" "$tmp"`,
        `  if [ -f "$path" ] && cmp -s "$tmp" "$path" && [ "$(stat -c %a "$path")" = "$mode" ]; then return 0; fi`,
        `  mv -f "$tmp" "$path"`,
        `  echo "changed $path"`,
        `}`,
        [
            `if [ ! -d ${shq(o.profile.containerRoot)}${OPENDJ_CONFIG} ]; then echo "${o.profile.containerRoot}${OPENDJ_CONFIG} is missing: is Gluu ${o.profile.version} installed here?" >&2; exit 1; fi`,
            `for tool in openssl sha256sum flock tar; do command -v "$tool" >/dev/null || { echo "$tool is missing on this host" >&2; exit 1; }; done`,
            `install -d -m 0700 ${P.confDir} ${P.localDir}`,
            `chmod 0700 ${P.confDir} ${P.localDir}`,
            `put_secret ${P.dmPassword}`,
            `put_secret ${P.s3Config}`,
            heredoc(`put_public ${P.recipient} 644`, o.recipientCertPem.trim()),
            heredoc(`put_public ${P.client} 644`, S3_CLIENT_PY),
            heredoc(`put_public ${P.job} 700`, backupJobScript(o)),
            `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then`,
            `  rm -f ${P.cron}`,
            heredoc(`  put_public ${P.unit} 644`, units.service),
            heredoc(`  put_public ${P.timer} 644`, units.timer),
            `  systemctl daemon-reload`,
            `  systemctl enable --now gluu-backup.timer >/dev/null 2>&1`,
            `else`,
            `  rm -f ${P.unit} ${P.timer}`,
            `  install -d -m 0755 /etc/cron.d`,
            `  # cron mails a failing run's stderr to MAILTO (root by default); the job prints nothing else on stdout.`,
            heredoc(`  put_public ${P.cron} 644`, `# gluu-cluster backup job (managed; edits are overwritten)\n${backupCronLine(sched)}`),
            `fi`,
        ].join("\n"),
    );
}

/** Read the job's last success and failure (a remote step; read-only). Prints one JSON object. */
export function backupStatusScript(): string {
    return script(
        `Read the backup job's last success and failure`,
        [
            `read_status() { if [ -s "$1" ]; then head -n1 "$1"; fi; }`,
            `ok=$(read_status ${BACKUP_PATHS.lastSuccess})`,
            `bad=$(read_status ${BACKUP_PATHS.lastFailure})`,
            `jq -cn --arg ok "$ok" --arg bad "$bad" '{lastSuccess: $ok, lastFailure: $bad}' 2>/dev/null \\`,
            `  || printf '{"lastSuccess":"%s","lastFailure":"%s"}\\n' "$ok" "$bad"`,
        ].join("\n"),
    );
}

/** The status step's output, parsed: times and names of the last successful and failed run (empty: none yet). */
export interface BackupStatus {
    lastSuccessTime?: string;
    lastSuccessName?: string;
    lastFailureTime?: string;
    lastFailureReason?: string;
}

/** Parse what `backupStatusScript` prints. */
export function parseBackupStatus(text: string): BackupStatus {
    let j: { lastSuccess?: string; lastFailure?: string } = {};
    try {
        j = JSON.parse(text.trim() || "{}");
    } catch {
        return {};
    }
    const out: BackupStatus = {};
    const ok = /^(\S+) (\S+)$/.exec((j.lastSuccess ?? "").trim());
    if (ok) {
        out.lastSuccessTime = ok[1];
        out.lastSuccessName = ok[2];
    }
    const bad = /^(\S+) (\S+) (.*)$/.exec((j.lastFailure ?? "").trim());
    if (bad) {
        out.lastFailureTime = bad[1];
        out.lastFailureReason = bad[3];
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// Restore

/** Options of `restoreScript`. */
export interface RestoreOptions {
    profile: GluuVersionProfile;
    /** The backup to restore (`gluu:restoreFrom`). */
    name: string;
    /** Object key prefix in the bucket. */
    prefix: string;
    /** Refuse backups older than this many days unless `force`. */
    maxAgeDays: number;
    /** Restore even an older backup. */
    force: boolean;
    /** OpenDJ administration connector port. Default 4444. */
    adminPort?: number;
}

/** Stdin of `restoreScript`: line 1 the Directory Manager password, then the recipient's private key (PEM). */
export function restoreStdin(directoryManagerPassword: string, privateKeyPem: string): string {
    if (directoryManagerPassword === "" || /[\r\n]/.test(directoryManagerPassword)) {
        throw new Error("`directoryManagerPassword` must be a non-empty single line");
    }
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKeyPem)) throw new Error("the backup private key must be a PEM private key");
    return `${directoryManagerPassword}\n${privateKeyPem.trim()}\n`;
}

function importInner(profile: GluuVersionProfile, adminPort: number): string {
    return script(
        `Inside the Gluu ${profile.version} container: import the restored LDIF (import-ldif tasks) and restart`,
        WAIT_PORT_FUNCTION,
        secretFilesFromStdin([{ variable: "dm_pw_file", what: "the Directory Manager password" }]),
        [
            `dj_bin=${shq(OPENDJ_BIN)}`,
            `if [ -d /opt/jre ]; then export OPENDJ_JAVA_HOME=/opt/jre; fi`,
            `src=${shq(BACKUP_PATHS.exportDir)}`,
            `# oxAuth and oxTrust stop first: they must not write into a directory that is being replaced.`,
            containerService(profile, profile.services.oxauth, "stop"),
            containerService(profile, profile.services.identity, "stop"),
            `# The restored keystore and PIN are in place: OpenDJ restarts on them before the import.`,
            containerService(profile, profile.services.opendj, "restart"),
            `wait_port 127.0.0.1 ${adminPort} 300 "OpenDJ administration connector"`,
            `chown -R ldap:ldap "$src"`,
            ...BACKUP_BACKENDS.map((b) =>
                [
                    `log="$secret_dir/import-${b.backendId}.log"`,
                    `if ! "$dj_bin/import-ldif" --hostname localhost --port ${adminPort} --bindDN 'cn=directory manager' \\`,
                    `    --bindPasswordFile "$dm_pw_file" --trustAll --noPropertiesFile \\`,
                    `    --backendID ${shq(b.backendId)} --includeBranch ${shq(b.baseDn)} --clearBackend --ldifFile "$src/${b.backendId}.ldif" > "$log" 2>&1; then`,
                    `  cat "$log" >&2`,
                    `  echo "import-ldif of ${b.baseDn} (backend ${b.backendId}) failed (output above); oxauth and identity stay stopped" >&2`,
                    `  exit 1`,
                    `fi`,
                    `echo "changed ${b.baseDn} imported from the backup"`,
                ].join("\n"),
            ),
            `rm -rf -- "$src"`,
            `# The members are re-initialized from this primary next: forget which ones it initialized before.`,
            `rm -f ${shq(REPLICATION_INIT_MARKER)}`,
            containerService(profile, profile.services.oxauth, "start"),
            containerService(profile, profile.services.identity, "start"),
        ].join("\n"),
    );
}

/**
 * Restore a backup onto the primary (a remote step keyed on the backup's name, so it runs once per requested
 * value): fetch it (the local copy, else from the bucket), verify the outer SHA-256, decrypt with the private key
 * (stdin; a 0600 file removed afterwards), verify the inner manifest, refuse a backup older than `maxAgeDays`
 * unless `force`, then stop oxAuth and oxTrust, put the files back, restart OpenDJ on the restored keystore, import
 * o=gluu and o=site (`import-ldif --clearBackend` per backend), start the services, and clear the replication
 * initialization record so that the next step re-initializes every member from this primary. A marker
 * (/var/lib/gluu-cluster/restored-<name>) makes a re-run of a finished restore do nothing.
 *
 * stdin: `restoreStdin` (Directory Manager password, private key PEM).
 */
export function restoreScript(o: RestoreOptions): string {
    const adminPort = assertPort("adminPort", o.adminPort ?? 4444);
    if (!BACKUP_NAME.test(o.name)) throw new Error(restoreFromProblems("restoreFrom", o.name)[0]);
    if (!Number.isInteger(o.maxAgeDays) || o.maxAgeDays < 1) throw new Error("`restoreMaxAgeDays` must be an integer ≥ 1");
    const P = BACKUP_PATHS;
    return script(
        `Restore backup ${o.name} onto this primary (Gluu ${o.profile.version})${o.force ? " (forced: any age)" : ""}`,
        PYTHON_FUNCTION,
        [
            `name=${shq(o.name)}`,
            `prefix=${shq(o.prefix)}`,
            `marker=${STATE_DIR}/restored-$name`,
            `if [ -e "$marker" ]; then echo "backup $name was already restored here ($(cat "$marker")); nothing to do"; exit 0; fi`,
            `install -d -m 0700 ${P.localDir} ${STATE_DIR}`,
            `work=$(mktemp -d ${P.localDir}/.restore.XXXXXX)`,
            `cleanup_paths+=("$work")`,
            `# The secrets: the DM password line, then the private key, into 0600 files of this 0700 directory.`,
            `IFS= read -r dm_line || true`,
            `if [ -z "$dm_line" ]; then echo "stdin lacks the Directory Manager password" >&2; exit 1; fi`,
            `(umask 077 && printf '%s\\n' "$dm_line" > "$work/dm.pw")`,
            `unset dm_line`,
            `(umask 077 && cat > "$work/key.pem")`,
            `grep -q 'PRIVATE KEY-----' "$work/key.pem" || { echo "stdin lacks the backup private key" >&2; exit 1; }`,
        ].join("\n"),
        [
            `# 1. The archive and its checksum: the local copy, else the bucket.`,
            `if [ -s ${P.localDir}/"$name.tar.cms" ] && [ -s ${P.localDir}/"$name.tar.cms.sha256" ]; then`,
            `  cp ${P.localDir}/"$name.tar.cms" ${P.localDir}/"$name.tar.cms.sha256" "$work/"`,
            `else`,
            `  py_run get "$prefix$name.tar.cms.sha256" "$work/$name.tar.cms.sha256" || { echo "backup $name: no $prefix$name.tar.cms.sha256 in the bucket (is the name right?)" >&2; exit 1; }`,
            `  py_run get "$prefix$name.tar.cms" "$work/$name.tar.cms" || { echo "backup $name: could not download $prefix$name.tar.cms" >&2; exit 1; }`,
            `fi`,
            `# 2. Checksum, decryption, inner manifest: any failure refuses the backup before anything is touched.`,
            `if ! (cd "$work" && sha256sum --quiet -c "$name.tar.cms.sha256"); then`,
            `  echo "REFUSED: backup $name fails its SHA-256 check (corrupted or altered); nothing was changed" >&2`,
            `  exit 1`,
            `fi`,
            `# The key alone (no -recip): archives encrypted to an earlier, renewed certificate of the same key decrypt too.`,
            `if ! openssl cms -decrypt -binary -inform DER -in "$work/$name.tar.cms" -inkey "$work/key.pem" -out "$work/$name.tar" 2>"$work/decrypt.err"; then`,
            `  echo "REFUSED: backup $name cannot be decrypted with this stack's backup key ($(head -n1 "$work/decrypt.err")); nothing was changed" >&2`,
            `  exit 1`,
            `fi`,
            `rm -f "$work/key.pem"`,
            `mkdir "$work/x"`,
            `# Without -recip, openssl answers a wrong key with a random content key (its defence against Bleichenbacher's attack,`,
            `# CMS_decrypt(3)): usually an error above, else garbage that is no archive here.`,
            `tar -C "$work/x" --no-same-owner -xf "$work/$name.tar" backup.json MANIFEST.sha256 files.tar ldif 2>/dev/null \\`,
            `  || { echo "REFUSED: backup $name cannot be decrypted with this stack's backup key to a gluu-cluster archive; nothing was changed" >&2; exit 1; }`,
            `if ! (cd "$work/x" && sha256sum --quiet -c MANIFEST.sha256); then`,
            `  echo "REFUSED: backup $name fails its inner manifest check; nothing was changed" >&2`,
            `  exit 1`,
            `fi`,
            `# 3. Age: from the name's UTC stamp (also inside backup.json).`,
            `stamp=\${name##*-}`,
            `created=$(date -u -d "\${stamp:0:4}-\${stamp:4:2}-\${stamp:6:2} \${stamp:9:2}:\${stamp:11:2}:\${stamp:13:2}" +%s)`,
            `age_days=$(( ($(date -u +%s) - created) / 86400 ))`,
            o.force
                ? `echo "backup $name is $age_days day(s) old; restoring it because the restore is forced"`
                : [
                      `if [ "$age_days" -gt ${o.maxAgeDays} ]; then`,
                      `  echo "REFUSED: backup $name is $age_days days old, more than gluu:restoreMaxAgeDays (${o.maxAgeDays}); set gluu:restoreForce true to restore it anyway" >&2`,
                      `  exit 1`,
                      `fi`,
                  ].join("\n"),
        ].join("\n"),
        [
            `# 4. The files back into the container (owners and modes as they were), the LDIF where the task can read it.`,
            `gluu_root=${shq(o.profile.containerRoot)}`,
            `tar -C "$gluu_root" --numeric-owner -xpf "$work/x/files.tar"`,
            `echo "changed files restored: ${BACKUP_FILES.join(", ")}"`,
            `rm -rf -- "$gluu_root"${shq(P.exportDir)}`,
            `install -d -m 0700 "$gluu_root"${shq(P.exportDir)}`,
            `cp "$work/x/ldif/"*.ldif "$gluu_root"${shq(P.exportDir)}/`,
            `# 5. Import and restart inside the container (the DM password on stdin).`,
            `{`,
            inContainer(o.profile, importInner(o.profile, adminPort)),
            `} < "$work/dm.pw"`,
            `date -u +%Y-%m-%dT%H:%M:%SZ > "$marker"`,
            `echo "changed backup $name restored; the members are re-initialized from this primary next"`,
        ].join("\n"),
    );
}


/** On a member after a restore (inside its container): restart oxAuth and oxTrust, which cache what they read from LDAP. */
export function restartAfterRestoreScript(profile: GluuVersionProfile): string {
    const inner = script(
        `Inside the Gluu ${profile.version} container: restart oxAuth and oxTrust on the restored directory`,
        [
            containerService(profile, profile.services.oxauth, "restart"),
            containerService(profile, profile.services.identity, "restart"),
            `echo "changed oxauth and identity restarted after the restore"`,
        ].join("\n"),
    );
    return script(`Restart oxAuth and oxTrust after a restore (Gluu ${profile.version})`, inContainer(profile, inner));
}

/**
 * After a restore (runs on the restored PRIMARY, inside its container): push the restored data to every member —
 * `dsreplication initialize-all` per base DN — and record them in the primary's initialization record, in the format
 * the status-driven `replicationInitScript` keeps (base DN, server, DS ID), so that the cluster's own initialization
 * finds them initialized afterwards. This is the one place that overwrites members without the status-driven
 * guard: restoring a backup is the operator's decision to overwrite them, and the guard would refuse exactly the
 * case a restore is for (members holding more entries than the restored primary, e.g. after a bad import).
 * `members` only goes into a comment (a new topology re-runs the step).
 *
 * stdin: line 1 = replication admin password.
 */
export function restoreReinitScript(profile: GluuVersionProfile, primaryAddress: string, opts: { members?: string[]; adminPort?: number; adminUid?: string } = {}): string {
    const primary = assertHost("primaryAddress", primaryAddress);
    const members = (opts.members ?? []).map((m, i) => assertHost(`members[${i}]`, m));
    const adminPort = assertPort("adminPort", opts.adminPort ?? 4444);
    const adminUid = opts.adminUid ?? "admin";
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(adminUid)) throw new Error(`\`adminUid\` must be a plain user id like admin, got ${JSON.stringify(adminUid)}`);
    const inner = script(
        `Inside the Gluu ${profile.version} container of the restored primary: initialize every member from it`,
        WAIT_PORT_FUNCTION,
        secretFilesFromStdin([{ variable: "admin_pw_file", what: "the replication admin password" }]),
        [
            `dj_bin=${shq(OPENDJ_BIN)}`,
            `if [ -d /opt/jre ]; then export OPENDJ_JAVA_HOME=/opt/jre; fi`,
            members.length > 0 ? `# Topology when rendered: ${primary} (primary), ${members.join(", ")}` : "",
            `primary=${shq(primary)}`,
            `marker=${shq(REPLICATION_INIT_MARKER)}`,
            `wait_port 127.0.0.1 ${adminPort} 300 "OpenDJ administration connector"`,
            `repl_rows() {`,
            `  local out="$secret_dir/status.txt"`,
            `  if ! "$dj_bin/dsreplication" status --hostname "$primary" --port ${adminPort} --adminUID ${shq(adminUid)} \\`,
            `      --adminPasswordFile "$admin_pw_file" --trustAll --no-prompt > "$out" 2>&1; then`,
            `    cat "$out" >&2; echo "dsreplication status on $primary failed (output above)" >&2; exit 1`,
            `  fi`,
            `  awk ${shq(REPLICATION_STATUS_AWK)} "$out"`,
            `}`,
            `rows="$secret_dir/rows.tsv"`,
            `repl_rows > "$rows"`,
            `for base_dn in ${DEFAULT_BASE_DNS.map(shq).join(" ")}; do`,
            `  members=$(awk -F'\\t' -v b="$base_dn" -v p="$primary:${adminPort}" 'tolower($1) == tolower(b) && tolower($2) != tolower(p) && $4 == "true"' "$rows" | wc -l)`,
            `  if [ "$members" -eq 0 ]; then echo "$base_dn: no member replicates it; nothing to initialize"; continue; fi`,
            `  log="$secret_dir/init.log"`,
            `  if ! "$dj_bin/dsreplication" initialize-all --hostname "$primary" --port ${adminPort} --baseDN "$base_dn" \\`,
            `      --adminUID ${shq(adminUid)} --adminPasswordFile "$admin_pw_file" --trustAll --no-prompt > "$log" 2>&1; then`,
            `    cat "$log" >&2`,
            `    echo "dsreplication initialize-all of $base_dn from $primary failed (output above); the members still hold their old data" >&2`,
            `    exit 1`,
            `  fi`,
            `  echo "changed $base_dn initialized on $members member(s) from the restored $primary"`,
            `done`,
            `# The record the status-driven initialization reads: every member row, with its DS ID, as initialized from here.`,
            `install -d -m 0700 "$(dirname "$marker")"`,
            `repl_rows | awk -F'\\t' -v p="$primary:${adminPort}" 'tolower($2) != tolower(p) && $4 == "true" { print $1 "\\t" $2 "\\t" $5 }' > "$marker.new"`,
            `mv -f "$marker.new" "$marker"`,
        ].join("\n"),
    );
    return script(`Initialize every member from the restored primary ${primary} (Gluu ${profile.version})`, inContainer(profile, inner));
}
