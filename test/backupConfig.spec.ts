// The backup keys of the stack (src/config.ts, each refused by its gluu: key) and GluuCluster's wiring of
// DirectoryBackup under mocks: a versioned Spaces bucket with a lifecycle rule and a bucket-scoped key on droplets,
// the given S3 endpoint on existing hosts, the job on the primary after replication is initialised, the secret
// outputs, and the restore on request.
import * as assert from "assert";
import { RecordedResource } from "../src/record";
import { checkDoSpacesBucket, checkDoSpacesKey, checkResource } from "../src/providerRules";
import { byName, commands, configProblems, recordConfig, stackConfig, strings, unwrap } from "./helpers/program";

const DEV = () => ({ ...stackConfig("dev"), repoPassword: "repo-pw-1" });
const BYO = () => stackConfig("byo");

describe("backups: stack keys and the cluster's wiring", () => {
    it("every backup key is refused by name with what to do", () => {
        const p = (raw: Record<string, string>) => configProblems(raw).join("\n");
        assert.match(p({ ...DEV(), backupKeepDays: "3" }), /gluu:backupKeepDays belongs with gluu:backupBucket, which is not set/);
        assert.match(p({ ...DEV(), backupBucket: "Bad_Bucket" }), /gluu:backupBucket "Bad_Bucket" must use lower-case letters/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", backupSchedule: "sometimes" }), /gluu:backupSchedule "sometimes" is not a schedule/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", backupKeepLocal: "0" }), /gluu:backupKeepLocal must be an integer 1–100/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", backupKeepDays: "5000" }), /gluu:backupKeepDays must be an integer 1–3650/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", backupEndpoint: "http://s3.example.org" }), /gluu:backupEndpoint must be an https:\/\/ URL/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", region: "nyc1" }), /gluu:backupRegion "nyc1" \(from gluu:region\) is not a Spaces region; set gluu:backupRegion to one of/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", backupRegion: "Mars 1" }), /gluu:backupRegion "Mars 1" must be a region name/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", restoreFrom: "latest" }), /gluu:restoreFrom "latest" must name a backup like/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", backupNode: "gluu-9" }), /gluu:backupNode gluu-9 is not a node/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", backupNode: "gluu-2", restoreFrom: "gluu-backup-gluu-2-20260101T000000Z" }), /gluu:restoreFrom restores onto the backup node, which must be the primary \(gluu-1\)/);
        assert.match(p({ ...DEV(), backupBucket: "gluu-b", backupAccessKeyId: "AK" }), /gluu:backupAccessKeyId and gluu:backupSecretAccessKey go together/);
        const byo = p({ ...BYO(), backupBucket: "gluu-b" });
        for (const k of ["backupEndpoint", "backupRegion", "backupAccessKeyId and gluu:backupSecretAccessKey"]) assert.match(byo, new RegExp(`gluu:${k} (\\(secrets\\) )?(is|are) required with gluu:existingNodeAddresses`), k);
        assert.deepStrictEqual(configProblems({ ...DEV(), backupBucket: "gluu-b" }), []);
    });

    describe("droplets (the dev stack with gluu:backupBucket)", () => {
        let rs: RecordedResource[];
        before(async () => {
            rs = await recordConfig({ ...DEV(), backupBucket: "gluu-dev-backups", backupKeepDays: "14", backupSchedule: "02:30" });
        });

        it("a versioned Spaces bucket with the keepDays lifecycle rule, kept on destroy; a readwrite key for that bucket only", () => {
            const b = byName(rs, "gluu-backups");
            assert.strictEqual(b.type, "digitalocean:index/spacesBucket:SpacesBucket");
            assert.deepStrictEqual([b.inputs.name, b.inputs.region, b.inputs.acl, b.inputs.versioning], ["gluu-dev-backups", "fra1", "private", { enabled: true }]);
            assert.deepStrictEqual(b.inputs.lifecycleRules[0].expiration, { days: 14 });
            assert.deepStrictEqual(b.inputs.lifecycleRules[0].noncurrentVersionExpiration, { days: 14 });
            assert.strictEqual(b.inputs.lifecycleRules[0].prefix, "gluu/");
            assert.strictEqual(b.options?.retainOnDelete, true);
            assert.deepStrictEqual(checkResource(b.type, b.inputs), []);
            const k = byName(rs, "gluu-backup-key");
            assert.deepStrictEqual(k.inputs.grants, [{ bucket: "gluu-dev-backups", permission: "readwrite" }]);
        });

        it("the job goes on the primary after replication is initialised; the host gets the key's credentials on stdin only", () => {
            const install = byName(rs, "gluu-backup-install");
            assert.strictEqual(install.host, "gluu-1");
            assert.ok(install.dependsOn.includes(byName(rs, "gluu-1-repl-init").urn));
            const stdin = String(unwrap(install.inputs.stdin).value);
            const conf = JSON.parse(stdin.split("\n")[1]);
            assert.deepStrictEqual([conf.endpoint, conf.region, conf.bucket], ["https://fra1.digitaloceanspaces.com", "fra1", "gluu-dev-backups"]);
            assert.ok(conf.secretAccessKey.length >= 20);
            for (const c of commands(rs)) {
                const t = [c.inputs.create, c.inputs.delete].flatMap((x) => strings(x)).join("\n");
                assert.ok(!t.includes(conf.secretAccessKey), `${c.name} has the S3 secret in its text`);
            }
            assert.match(String(unwrap(install.inputs.create).value), /^OnCalendar=\*-\*-\* 02:30:00$/m);
            assert.deepStrictEqual(commands(rs).filter((c) => /restore/.test(c.name)), [], "no restore unless asked");
        });
    });

    it("existing hosts: the given endpoint and credentials; a restore request adds the restore, re-initialization and member restarts", async () => {
        const rs = await recordConfig({
            ...BYO(),
            backupBucket: "gluu-byo-backups",
            backupEndpoint: "https://s3.eu-central-1.amazonaws.com",
            backupRegion: "eu-central-1",
            backupAccessKeyId: "AKIDBYO",
            backupSecretAccessKey: "byo-secret-Key-1",
            restoreFrom: "gluu-backup-gluu-1-20260101T000000Z",
        });
        assert.ok(!rs.some((r) => r.type.startsWith("digitalocean:index/spaces")), "no Spaces resources for an S3 endpoint");
        const names = commands(rs).map((c) => c.name);
        for (const n of ["gluu-backup-install", "gluu-backup-status", "gluu-backup-restore", "gluu-backup-restore-reinit", "gluu-2-restore-restart"]) assert.ok(names.includes(n), n);
        const conf = JSON.parse(String(unwrap(byName(rs, "gluu-backup-install").inputs.stdin).value).split("\n")[1]);
        assert.deepStrictEqual(conf, { endpoint: "https://s3.eu-central-1.amazonaws.com", region: "eu-central-1", bucket: "gluu-byo-backups", accessKeyId: "AKIDBYO", secretAccessKey: "byo-secret-Key-1" });
    });

    it("Check emulation of the Spaces resources refuses what terraform-provider-digitalocean v2.99.1 refuses", () => {
        const reasons = (f: { reason: string }[]) => f.map((x) => x.reason).join("\n");
        assert.deepStrictEqual(checkDoSpacesBucket({ name: "b", region: "FRA1" }), [], "region is matched ignoring case");
        assert.match(reasons(checkDoSpacesBucket({ name: "b", region: "nyc1" })), /expected region to be one of \["ams3" "atl1" "blr1" "fra1" "lon1" "nyc3" "sfo2" "sfo3" "sgp1" "syd1" "tor1"\], got nyc1/);
        assert.match(reasons(checkDoSpacesBucket({ region: "fra1" })), /The argument "name" is required/);
        const bad = checkDoSpacesBucket({ name: "b", lifecycleRules: [{ expiration: { days: -1, date: "tomorrow" }, noncurrentVersionExpiration: { days: 0 }, id: "x".repeat(256) }] });
        assert.deepStrictEqual(bad.map((f) => f.property), [
            "lifecycleRules[0].enabled",
            "lifecycleRules[0].id",
            "lifecycleRules[0].expiration.days",
            "lifecycleRules[0].expiration.date",
            "lifecycleRules[0].noncurrentVersionExpiration.days",
        ]);
        assert.deepStrictEqual(checkDoSpacesKey({ name: "k", grants: [{ bucket: "b", permission: "readwrite" }] }), []);
        assert.deepStrictEqual(checkDoSpacesKey({ grants: [{ bucket: "b" }] }).map((f) => f.property), ["name", "grants[0].permission"]);
    });
});
