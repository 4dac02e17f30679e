// Stack configuration: the shipped stacks parse; every bad value is refused by key, all problems at once.
import * as assert from "assert";
import { opensslPair } from "./helpers/pki";
import { configProblems as problems, stackConfig } from "./helpers/program";

const LB = opensslPair("idp-dev.example.org");


const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP6FIXqr58nUAjR0TV2k7vp4cup8ApYI1/rQ3xDoklDc";

describe("stack configuration", () => {
    for (const stack of ["dev", "prod", "byo"]) {
        it(`accepts the shipped ${stack} stack`, () => {
            assert.deepStrictEqual(problems(stackConfig(stack)), []);
        });
    }

    const dev = () => stackConfig("dev");
    const byo = () => stackConfig("byo");
    const cases: Array<[string, () => Record<string, string>, RegExp]> = [
        ["one node", () => ({ ...dev(), nodeCount: "1" }), /^gluu:nodeCount must be an integer ≥ 2 \(a cluster needs two nodes\), got 1$/],
        ["a fractional node count", () => ({ ...dev(), nodeCount: "2.5" }), /^gluu:nodeCount must be an integer ≥ 2, got 2\.5$/],
        ["a node count that is text", () => ({ ...dev(), nodeCount: "three" }), /^gluu:nodeCount must be an integer ≥ 2/],
        ["no node count and no hosts", () => { const c = dev(); delete c.nodeCount; return c; }, /^gluu:nodeCount is required/],
        ["both node count and existing hosts", () => ({ ...byo(), nodeCount: "3" }), /^gluu:nodeCount and gluu:existingNodeAddresses are both set/],
        ["an unknown version", () => ({ ...dev(), version: "4.2" }), /^gluu:version must be a supported Gluu version: 3\.1\.6, 4\.5, got 4\.2$/],
        ["a hostname that is not an FQDN", () => ({ ...dev(), hostname: "localhost" }), /^gluu:hostname must be a lower-case FQDN/],
        ["a hostname with a shell metacharacter", () => ({ ...dev(), hostname: "idp.example.org;reboot" }), /^gluu:hostname must be a lower-case FQDN/],
        ["a missing hostname", () => { const c = dev(); delete c.hostname; return c; }, /^gluu:hostname is required/],
        ["a lower-case country code", () => ({ ...dev(), countryCode: "us" }), /^gluu:countryCode must be two upper-case letters/],
        ["a bad e-mail", () => ({ ...dev(), adminEmail: "nobody" }), /^gluu:adminEmail must be an e-mail address/],
        ["a misspelt key", () => ({ ...dev(), nodecount: "2" }), /^gluu:nodecount is not a setting this program knows/],
        ["SSH open to the world", () => ({ ...dev(), adminCidrs: '["0.0.0.0/0"]' }), /^gluu:adminCidrs must not contain 0\.0\.0\.0\/0/],
        ["SSH open to the world in two halves", () => ({ ...dev(), adminCidrs: '["0.0.0.0/1","128.0.0.0/1"]' }), /^gluu:adminCidrs must not hold a range wider than \/8/],
        ["a malformed CIDR", () => ({ ...dev(), adminCidrs: '["10.0.0.0/33"]' }), /^gluu:adminCidrs\[0\] must be a CIDR/],
        ["droplets without admin CIDRs", () => { const c = dev(); delete c.adminCidrs; return c; }, /^gluu:adminCidrs is required for droplets/],
        ["droplets without a region", () => { const c = dev(); delete c.region; return c; }, /^gluu:region is required for droplets/],
        ["3.1.6 on a public 22.04 image", () => ({ ...dev(), version: "3.1.6" }), /^gluu:dropletImage ubuntu-22-04-x64 is Ubuntu 22\.04, but Gluu 3\.1\.6 packages target Ubuntu 16\.04/],
        ["4.5 without repository credentials", () => { const c = dev(); delete c.repoUser; delete c.repoPassword; return c; }, /^gluu:repoUser and gluu:repoPassword are required for Gluu 4\.5/],
        ["a host key that is not one", () => ({ ...byo(), existingNodeHostKeys: JSON.stringify(["nope", HOST_KEY, HOST_KEY]) }), /^gluu:existingNodeHostKeys\[0\] must be an SSH public host key .*ssh-keyscan/],
        ["existing hosts without host keys", () => { const c = byo(); delete c.existingNodeHostKeys; return c; }, /^gluu:existingNodeHostKeys is required with gluu:existingNodeAddresses/],
        ["host keys for fewer hosts", () => ({ ...byo(), existingNodeHostKeys: JSON.stringify([HOST_KEY, HOST_KEY]) }), /^gluu:existingNodeHostKeys has 2 entries but gluu:existingNodeAddresses has 3/],
        ["two nodes on one address", () => ({ ...byo(), existingNodeAddresses: '["192.0.2.11","192.0.2.11","192.0.2.13"]' }), /^gluu:existingNodeAddresses\[1\] 192\.0\.2\.11 is also gluu:existingNodeAddresses\[0\]/],
        ["a node on the load balancer's name", () => ({ ...byo(), existingNodeAddresses: '["idp.example.org","192.0.2.12","192.0.2.13"]' }), /^gluu:existingNodeAddresses\[0\] equals gluu:hostname/],
        ["existing hosts with a droplet size", () => ({ ...byo(), dropletSize: "s-4vcpu-8gb" }), /^gluu:dropletSize is for droplets and has no effect with gluu:existingNodeAddresses/],
        ["existing hosts with a region", () => ({ ...byo(), region: "fra1" }), /^gluu:region is for droplets/],
        ["an address with a command in it", () => ({ ...byo(), existingNodeAddresses: '["192.0.2.11","$(reboot)","192.0.2.13"]' }), /^gluu:existingNodeAddresses\[1\] must be an IPv4 address or a host name, got "\$\(reboot\)"$/],
        ["duplicate node names", () => ({ ...byo(), existingNodeNames: '["a","a","b"]' }), /^gluu:existingNodeNames\[1\] a is used twice/],
        ["an upper-case node name", () => ({ ...byo(), existingNodeNames: '["Gluu-1","b","c"]' }), /^gluu:existingNodeNames\[0\] must be a lower-case host name/],
        ["existing hosts without a login", () => { const c = byo(); delete c.sshPrivateKey; return c; }, /^gluu:sshPrivateKey .* or gluu:sshAgentSocketPath is required to log in to existing hosts/],
        ["a port out of range", () => ({ ...byo(), sshPort: "70000" }), /^gluu:sshPort must be an integer 1–65535, got 70000$/],
        ["a password with a quote", () => ({ ...dev(), ldapPassword: "abc'def$ghi;jkl" }), /^gluu:ldapPassword must be 12–64 characters of letters, digits/],
        ["a non-boolean flag", () => ({ ...dev(), backups: "yes" }), /^gluu:backups must be true or false, got "yes"$/],
        ["a private key that is not one", () => ({ ...byo(), sshPrivateKey: "hunter2hunter2" }), /^gluu:sshPrivateKey must be a PEM\/OpenSSH private key$/],
        // The cache and the load balancer.
        ["existing nodes without a cache host", () => { const c = byo(); delete c.existingCacheAddress; delete c.existingCachePrivateAddress; delete c.existingCacheHostKey; return c; }, /^gluu:existingCacheAddress is required with gluu:existingNodeAddresses: an existing server for Redis$/],
        ["existing nodes without a load balancer", () => { const c = byo(); delete c.existingLbAddress; delete c.existingLbPrivateAddress; delete c.existingLbHostKey; return c; }, /^gluu:existingLbAddress is required .* \(or set gluu:externalLoadBalancer: true\)$/],
        ["a cache host without its host key", () => { const c = byo(); delete c.existingCacheHostKey; return c; }, /^gluu:existingCacheHostKey is required with gluu:existingCacheAddress \(`ssh-keyscan -t ed25519 192\.0\.2\.21`\)$/],
        ["the cache on a node's address", () => ({ ...byo(), existingCacheAddress: "192.0.2.12" }), /^gluu:existingCacheAddress 192\.0\.2\.12 is also gluu:existingNodeAddresses\[1\]; Redis needs its own host$/],
        ["the cache on the load balancer's host", () => ({ ...byo(), existingCacheAddress: "192.0.2.22" }), /^gluu:existingCacheAddress and gluu:existingLbAddress are the same host/],
        ["a cache address on droplets", () => ({ ...dev(), existingCacheAddress: "192.0.2.21" }), /^gluu:existingCacheAddress is for existing servers/],
        ["an external load balancer with an LB host", () => ({ ...byo(), externalLoadBalancer: "true" }), /^gluu:existingLbAddress has no effect with gluu:externalLoadBalancer/],
        ["an external load balancer with a certificate", () => ({ ...dev(), externalLoadBalancer: "true", lbCertificate: LB.cert, lbPrivateKey: LB.key }), /^gluu:lbCertificate has no effect with gluu:externalLoadBalancer/],
        ["an LB certificate without its key", () => ({ ...dev(), lbCertificate: LB.cert }), /^gluu:lbCertificate and gluu:lbPrivateKey \(secret\) go together/],
        ["a private key pasted as the LB certificate", () => ({ ...dev(), lbCertificate: "-----BEGIN CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n" }), /^gluu:lbCertificate must be a PEM certificate \(chain\) and nothing else/],
        ["an external load balancer on droplets without its source addresses", () => ({ ...dev(), externalLoadBalancer: "true" }), /^gluu:externalLbSourceCidrs is required with gluu:externalLoadBalancer on droplets/],
        ["external LB sources without an external LB", () => ({ ...dev(), externalLbSourceCidrs: '["10.110.0.0/20"]' }), /^gluu:externalLbSourceCidrs is only for gluu:externalLoadBalancer/],
        ["an unknown Redis persistence", () => ({ ...dev(), redisPersistence: "disk" }), /^gluu:redisPersistence must be `rdb`, `aof` or `none`, got "disk"$/],
        ["a csync2 interval of an hour", () => ({ ...dev(), csync2IntervalMinutes: "60" }), /^gluu:csync2IntervalMinutes must be an integer 1–59, got 60$/],
        ["cache refresh on a node that does not exist", () => ({ ...dev(), cacheRefreshNode: "gluu-9" }), /^gluu:cacheRefreshNode gluu-9 is not a node; use one of gluu-1, gluu-2$/],
        ["a service droplet size on existing hosts", () => ({ ...byo(), cacheDropletSize: "s-1vcpu-2gb" }), /^gluu:cacheDropletSize is for droplets and has no effect with gluu:existingNodeAddresses/],
    ];
    for (const [what, make, expected] of cases) {
        it(`refuses ${what}, naming the key`, () => {
            const found = problems(make());
            assert.ok(found.some((p) => expected.test(p)), `expected a problem matching ${expected}, got:\n${found.join("\n")}`);
        });
    }

    it("reports several problems together", () => {
        const found = problems({ ...dev(), nodeCount: "1", countryCode: "usa", hostname: "x" });
        assert.ok(found.length >= 3, found.join("\n"));
    });

    it("never echoes a secret value in a message", () => {
        const secret = "hunter2'; rm -rf /";
        const found = problems({ ...dev(), ldapPassword: secret, adminPassword: secret, repoPassword: "a\nb" });
        assert.ok(found.length >= 2);
        for (const p of found) assert.ok(!p.includes("hunter2"), p);
    });
});
