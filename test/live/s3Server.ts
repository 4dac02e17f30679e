// An S3-compatible server for the live backup spec that VERIFIES AWS Signature Version 4 with AWS's own
// implementation: botocore's S3SigV4Auth (Debian package python3-botocore 1.29, boto/botocore
// botocore/auth.py `SigV4Auth.canonical_request` / `string_to_sign` / `signature`), not with our signer's code.
// A request whose signature, access key, region, date or payload hash does not match is refused as S3 refuses it
// (403 SignatureDoesNotMatch / InvalidAccessKeyId, 400 AuthorizationHeaderMalformed / XAmzContentSHA256Mismatch,
// 403 RequestTimeTooSkewed). So the backup client's signer is proven against an independent implementation.
//
// Why not a packaged fake: s3rver 3.7.1 (npm) accepts ANY v4 signature (lib/middleware/authentication.js:
// "Signature version 4 calculation is unimplemeneted", the account is set without a check), and
// github.com/johannesboyne/gofakes3 v1.2.0 has no signature verification at all (only the rclone fork adds it).
//
// What it serves (path-style, one bucket): PUT/GET/HEAD/DELETE object, ListObjectsV2 (prefix, max-keys,
// continuation-token). Objects are files under DATA/<bucket>/<key>; LastModified is the file's mtime (the test
// back-dates files to exercise retention). Every request is logged as one JSON line (method, path, status, code;
// never headers or bodies). `fail_next` (a file holding a count) makes the next N requests answer 503 (retries).

import { BedHost } from "./bed";

export const S3_SERVER_PY = String.raw`#!/usr/bin/python3
import datetime, hashlib, hmac, json, os, re, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qsl, unquote
from xml.sax.saxutils import escape
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ADDR, PORT, DATA, BUCKET, REGION, AKID, SECRET = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], open(sys.argv[7]).read().strip()
LOG = os.path.join(DATA, "requests.jsonl")
FAIL = os.path.join(DATA, "fail_next")
LOCK = threading.Lock()
AUTH = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/([0-9]{8})/([^/]+)/s3/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$")


class Refused(Exception):
    def __init__(self, status, code, message):
        self.status, self.code, self.message = status, code, message


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def record(self, status, code):
        with LOCK:
            with open(LOG, "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path, "status": status, "code": code, "t": time.time()}) + "\n")

    def reply(self, status, body=b"", ctype="application/xml", code=""):
        self.record(status, code)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, e):
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code><Message>%s</Message></Error>" % (e.code, escape(e.message))).encode()
        self.reply(e.status, body, code=e.code)

    def verify(self, body):
        auth = self.headers.get("Authorization", "")
        m = AUTH.match(auth)
        if not m:
            raise Refused(403, "AccessDenied", "missing or malformed AWS4-HMAC-SHA256 Authorization header")
        akid, day, region, signed, given = m.groups()
        if akid != AKID:
            raise Refused(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        if region != REGION:
            raise Refused(400, "AuthorizationHeaderMalformed", "the region %r is wrong; expecting %r" % (region, REGION))
        amz_date = self.headers.get("x-amz-date", "")
        try:
            t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise Refused(403, "AccessDenied", "missing or malformed x-amz-date")
        if abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()) > 900 or amz_date[:8] != day:
            raise Refused(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
        names = signed.split(";")
        if "host" not in names or "x-amz-content-sha256" not in names or "x-amz-date" not in names:
            raise Refused(403, "AccessDenied", "host, x-amz-content-sha256 and x-amz-date must be signed")
        if self.headers.get("x-amz-content-sha256") != hashlib.sha256(body).hexdigest():
            raise Refused(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
        headers = {n: self.headers.get(n, "") for n in names}
        req = AWSRequest(method=self.command, url="http://%s%s" % (self.headers.get("host", ""), self.path), headers=headers, data=body)
        req.context["timestamp"] = amz_date
        signer = S3SigV4Auth(Credentials(AKID, SECRET), "s3", REGION)
        expected = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
        if not hmac.compare_digest(expected, given):
            raise Refused(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")

    def target(self):
        u = urlsplit(self.path)
        parts = u.path.lstrip("/").split("/", 1)
        if parts[0] != BUCKET:
            raise Refused(404, "NoSuchBucket", "The specified bucket does not exist")
        key = unquote(parts[1]) if len(parts) > 1 else ""
        if ".." in key.split("/"):
            raise Refused(400, "InvalidArgument", "bad key")
        return key, dict(parse_qsl(u.query, keep_blank_values=True))

    def handle_any(self):
        try:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else b""
            with LOCK:
                n = int(open(FAIL).read() or 0) if os.path.exists(FAIL) else 0
                if n > 0:
                    open(FAIL, "w").write(str(n - 1))
            if n > 0:
                raise Refused(503, "SlowDown", "Please reduce your request rate.")
            self.verify(body)
            key, query = self.target()
            path = os.path.join(DATA, BUCKET, key)
            if self.command == "PUT" and key:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path + ".part", "wb") as f:
                    f.write(body)
                os.replace(path + ".part", path)
                return self.reply(200, code="")
            if self.command in ("GET", "HEAD") and key:
                if not os.path.isfile(path):
                    raise Refused(404, "NoSuchKey", "The specified key does not exist.")
                return self.reply(200, open(path, "rb").read(), "application/octet-stream")
            if self.command == "DELETE" and key:
                if os.path.isfile(path):
                    os.remove(path)
                return self.reply(204)
            if self.command == "GET" and query.get("list-type") == "2":
                return self.list(query)
            raise Refused(400, "InvalidRequest", "unsupported request")
        except Refused as e:
            self.error(e)

    def list(self, q):
        prefix, start, limit = q.get("prefix", ""), q.get("continuation-token", ""), int(q.get("max-keys", "1000"))
        root = os.path.join(DATA, BUCKET)
        keys = []
        for d, _, files in os.walk(root):
            for f in files:
                k = os.path.relpath(os.path.join(d, f), root)
                if k.startswith(prefix) and not k.endswith(".part") and k > start:
                    keys.append(k)
        keys.sort()
        page, more = keys[:limit], len(keys) > limit
        items = "".join("<Contents><Key>%s</Key><LastModified>%s</LastModified><Size>%d</Size></Contents>" % (
            escape(k), datetime.datetime.fromtimestamp(os.path.getmtime(os.path.join(root, k)), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            os.path.getsize(os.path.join(root, k))) for k in page)
        token = "<NextContinuationToken>%s</NextContinuationToken>" % escape(page[-1]) if more else ""
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>%s</Name><Prefix>%s</Prefix>"
                "<KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys><IsTruncated>%s</IsTruncated>%s%s</ListBucketResult>") % (
            BUCKET, escape(prefix), len(page), limit, "true" if more else "false", items, token)
        self.reply(200, body.encode())

    do_GET = do_PUT = do_DELETE = do_HEAD = handle_any


os.makedirs(os.path.join(DATA, BUCKET), exist_ok=True)
ThreadingHTTPServer((ADDR, PORT), Handler).serve_forever()
`;

/** Where the server keeps its data on its host. */
export const S3_DATA = "/srv/s3";

/** Options of `startS3Server`. */
export interface S3ServerOptions {
    port: number;
    bucket: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
}

/** Start the server on `host` (its bed address); resolves once it listens. The secret goes on stdin into a 0600 file. */
export async function startS3Server(host: BedHost, o: S3ServerOptions): Promise<string> {
    await host.run(
        [
            `set -euo pipefail`,
            `install -d -m 0700 ${S3_DATA} /srv/s3-bin`,
            `(umask 077 && cat > /srv/s3-bin/secret)`,
            `cat > /srv/s3-bin/server.py <<'S3_EOF'\n${S3_SERVER_PY}S3_EOF`,
            `setsid /usr/bin/python3 /srv/s3-bin/server.py ${host.address} ${o.port} ${S3_DATA} ${o.bucket} ${o.region} ${o.accessKeyId} /srv/s3-bin/secret >/srv/s3-bin/server.log 2>&1 </dev/null &`,
            `for _ in $(seq 1 100); do (exec 3<>/dev/tcp/${host.address}/${o.port}) 2>/dev/null && exit 0; sleep 0.05; done`,
            `cat /srv/s3-bin/server.log >&2; exit 1`,
        ].join("\n"),
        { stdin: o.secretAccessKey + "\n" },
    );
    return `http://${host.address}:${o.port}`;
}

/** One logged request. */
export interface S3Request {
    method: string;
    path: string;
    status: number;
    code: string;
}

/** The requests the server answered, in order. */
export async function s3Requests(host: BedHost): Promise<S3Request[]> {
    const text = await host.run(`cat ${S3_DATA}/requests.jsonl 2>/dev/null || true`);
    return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as S3Request);
}

/** The keys in the bucket (sorted). */
export async function s3Keys(host: BedHost, bucket: string): Promise<string[]> {
    const out = await host.run(`cd ${S3_DATA}/${bucket} && find . -type f ! -name '*.part' -printf '%P\\n' | sort`);
    return out.split("\n").filter((l) => l.trim());
}
