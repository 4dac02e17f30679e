// What the providers' Check (and, for DigitalOcean's firewall, CustomizeDiff during the preview) refuses, for
// every resource type the library registers. Pure: `checkResource(type, name, inputs)` returns the failures, and
// `assertProviderAccepts` throws with the text the engine prints for them. The mocks call it on every
// registration, so a program the real providers would refuse fails under the mocks too.
//
// Only what the provider itself checks before Create is here. What only the cloud API refuses at Create (droplet
// hostname rules, a firewall `port_range` syntax like "80-x", ICMP rules with ports, VPC RFC 1918 ranges,
// malformed SSH public keys) is NOT a Check rule upstream and is deliberately not emulated.
//
// Versions (see package.json and the bridges' go.mod):
// - @pulumi/tls 5.6.1 bridges hashicorp/terraform-provider-tls v4.3.0 (pulumi/pulumi-tls@f7db93b:provider/go.mod,
//   `v1.2.1-0.20260513075833-609226f53114`); the rules were read at hashicorp/terraform-provider-tls@d72d90e
//   (2026-04-28, the newest commit available here; the schema files cited are unchanged in the 4.x line).
// - @pulumi/random 4.21.2 bridges hashicorp/terraform-provider-random v3.9.0
//   (pulumi/pulumi-random@f64d8726:provider/go.mod → f8d869dc); read at hashicorp/terraform-provider-random@f8d869dc.
// - @pulumi/digitalocean 4.80.1: its SDK has `Droplet.gpuPartitionMode`, which upstream added after v2.96.0 (the
//   newest pulumi-digitalocean commit available here, c52e0a38, pins v2.96.0, so 4.80.1 bridges a later tag).
//   Read at digitalocean/terraform-provider-digitalocean@v2.99.1 (401992a); between v2.96.0 and v2.99.1 the files
//   cited below differ only by droplet `gpu_partition_mode`.
// - @pulumi/command 1.2.1: pulumi/pulumi-command@v1.2.1 (pulumi-go-provider v1.3.0, which decodes inputs with
//   pulumi/pulumi sdk `util/mapper`).
// - Validator texts: hashicorp/terraform-plugin-framework-validators@v0.19.0 (the version both tls and random
//   require in go.mod): helpers/validatordiag/diag.go `Attribute %s %s, got: %s`, stringvalidator/one_of.go,
//   int64validator/at_least.go, int64validator/at_least_sum_of.go. SDKv2 texts: hashicorp/terraform-plugin-sdk v2
//   helper/validation (meta.go NoZeroValues `%s must not be empty, got %v`; strings.go StringInSlice
//   `expected %s to be one of %q, got %s`; network.go IsCIDR `expected %q to be a valid IPv4 Value, got %v: %v`).
// - Engine text: pulumi/pulumi@v3.248.0:sdk/go/common/diag/errors.go (2002 `%v resource '%v' has a problem: %v`,
//   2003 `%v resource '%v': property %v value %v has a problem: %v`), printed by
//   pkg/resource/deploy/step_generator.go issueCheckFailures.

export interface CheckFailure {
    /** Pulumi input path (`allowedUses[0]`, `connection.host`); absent for resource-level failures. */
    property?: string;
    /** The provider's reason text. */
    reason: string;
}

export class ProviderCheckError extends Error {
    constructor(
        public readonly type: string,
        public readonly resourceName: string,
        public readonly failures: CheckFailure[],
        inputs: Record<string, any>,
    ) {
        super(failures.map((f) => formatFailure(type, resourceName, f, inputs)).join("\n"));
        this.name = "ProviderCheckError";
    }
}

function formatFailure(type: string, name: string, f: CheckFailure, inputs: Record<string, any>): string {
    if (!f.property) return `${type} resource '${name}' has a problem: ${f.reason}`;
    const top = f.property.split(/[.[]/)[0];
    return `${type} resource '${name}': property ${top} value ${goValue(inputs[top])} has a problem: ${f.reason}`;
}

/** Roughly how the engine prints a PropertyValue (`{…}` around it, as resource.PropertyValue.String does). */
function goValue(v: any): string {
    if (v === undefined) return "{<nil>}";
    if (Array.isArray(v)) return `{[${v.map(goValue).join(" ")}]}`;
    if (v && typeof v === "object") return "{map[...]}";
    return `{${String(v)}}`;
}

const isSet = (v: any) => v !== undefined && v !== null;
const q = (s: string) => JSON.stringify(s);
/** Go's `%q` of a []string: ["a" "b"]. */
const qList = (xs: readonly string[]) => `[${xs.map(q).join(" ")}]`;

// ---------------------------------------------------------------------------------------------------------
// tls — terraform-plugin-framework resources

// hashicorp/terraform-provider-tls@d72d90e:internal/provider/types.go (Algorithm, ECDSACurve constants);
// supportedAlgorithmsStr / supportedECDSACurvesStr keep the declaration order.
export const TLS_ALGORITHMS = ["RSA", "ECDSA", "ED25519"] as const;
export const TLS_ECDSA_CURVES = ["P224", "P256", "P384", "P521"] as const;

// hashicorp/terraform-provider-tls@d72d90e:internal/provider/common_cert.go keyUsages + extendedKeyUsages;
// supportedKeyUsagesStr() returns them sorted (sort.Strings).
export const TLS_KEY_USAGES = [
    "digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
    "cert_signing", "crl_signing", "encipher_only", "decipher_only",
] as const;
export const TLS_EXT_KEY_USAGES = [
    "any_extended", "server_auth", "client_auth", "code_signing", "email_protection", "ipsec_end_system",
    "ipsec_tunnel", "ipsec_user", "timestamping", "ocsp_signing", "microsoft_server_gated_crypto",
    "netscape_server_gated_crypto", "microsoft_commercial_code_signing", "microsoft_kernel_code_signing",
] as const;
export const TLS_ALLOWED_USES: readonly string[] = [...TLS_KEY_USAGES, ...TLS_EXT_KEY_USAGES].sort();

/** Framework "Required" attribute missing: terraform-plugin-framework reports `Missing Configuration for Required Attribute`. */
function required(out: CheckFailure[], inputs: Record<string, any>, prop: string, tfName: string): boolean {
    if (isSet(inputs[prop])) return true;
    out.push({ property: prop, reason: `Missing Configuration for Required Attribute: Must set a configuration value for the ${tfName} attribute as the provider has marked it as required.` });
    return false;
}

/** stringvalidator.OneOf (framework-validators v0.19.0 one_of.go + validatordiag). */
function oneOf(out: CheckFailure[], prop: string, tfPath: string, value: any, values: readonly string[]) {
    if (!isSet(value)) return;
    if (!values.includes(String(value))) {
        out.push({ property: prop, reason: `Attribute ${tfPath} value must be one of: ${qList(values)}, got: ${q(String(value))}` });
    }
}

/** int64validator.AtLeast (framework-validators v0.19.0 at_least.go). */
function atLeast(out: CheckFailure[], prop: string, tfPath: string, value: any, min: number) {
    if (!isSet(value)) return;
    if (Number(value) < min) out.push({ property: prop, reason: `Attribute ${tfPath} value must be at least ${min}, got: ${Number(value)}` });
}

/** listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)) on ip_addresses / uris. */
function elementsNotEmpty(out: CheckFailure[], prop: string, tfName: string, value: any) {
    if (!Array.isArray(value)) return;
    value.forEach((v, i) => {
        if (isSet(v) && String(v).length < 1) out.push({ property: `${prop}[${i}]`, reason: `Attribute ${tfName}[${i}] string length must be at least 1, got: 0` });
    });
}

function allowedUses(out: CheckFailure[], inputs: Record<string, any>) {
    const uses = inputs.allowedUses;
    if (!Array.isArray(uses)) return;
    uses.forEach((u, i) => oneOf(out, `allowedUses[${i}]`, `allowed_uses[${i}]`, u, TLS_ALLOWED_USES));
}

/** tls.PrivateKey — hashicorp/terraform-provider-tls@d72d90e:internal/provider/resource_private_key.go privateKeyResourceSchemaV1. */
export function checkTlsPrivateKey(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    // "algorithm": Required, stringvalidator.OneOf(supportedAlgorithmsStr()...)
    if (required(out, inputs, "algorithm", "algorithm")) oneOf(out, "algorithm", "algorithm", inputs.algorithm, TLS_ALGORITHMS);
    // "ecdsa_curve": Optional, default P224, stringvalidator.OneOf(supportedECDSACurvesStr()...)
    oneOf(out, "ecdsaCurve", "ecdsa_curve", inputs.ecdsaCurve, TLS_ECDSA_CURVES);
    // "rsa_bits": Optional Int64, no validator (a bad size fails at Create in rsa.GenerateKey).
    return out;
}

/** tls.SelfSignedCert — hashicorp/terraform-provider-tls@d72d90e:internal/provider/resource_self_signed_cert.go. */
export function checkTlsSelfSignedCert(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    required(out, inputs, "privateKeyPem", "private_key_pem");
    // "validity_period_hours": Required, int64validator.AtLeast(0)
    if (required(out, inputs, "validityPeriodHours", "validity_period_hours")) atLeast(out, "validityPeriodHours", "validity_period_hours", inputs.validityPeriodHours, 0);
    // "allowed_uses": Required, listvalidator.ValueStringsAre(stringvalidator.OneOf(supportedKeyUsagesStr()...))
    if (required(out, inputs, "allowedUses", "allowed_uses")) allowedUses(out, inputs);
    // "ip_addresses", "uris": ValueStringsAre(LengthAtLeast(1))
    elementsNotEmpty(out, "ipAddresses", "ip_addresses", inputs.ipAddresses);
    elementsNotEmpty(out, "uris", "uris", inputs.uris);
    // "early_renewal_hours": AtLeast(0); "max_path_length": AtLeast(-1)
    atLeast(out, "earlyRenewalHours", "early_renewal_hours", inputs.earlyRenewalHours, 0);
    atLeast(out, "maxPathLength", "max_path_length", inputs.maxPathLength, -1);
    return out;
}

/** tls.LocallySignedCert — hashicorp/terraform-provider-tls@d72d90e:internal/provider/resource_locally_signed_cert.go. */
export function checkTlsLocallySignedCert(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    required(out, inputs, "caCertPem", "ca_cert_pem");
    required(out, inputs, "caPrivateKeyPem", "ca_private_key_pem");
    required(out, inputs, "certRequestPem", "cert_request_pem");
    if (required(out, inputs, "validityPeriodHours", "validity_period_hours")) atLeast(out, "validityPeriodHours", "validity_period_hours", inputs.validityPeriodHours, 0);
    // "allowed_uses" (line 86): Required, ValueStringsAre(OneOf(supportedKeyUsagesStr()...))
    if (required(out, inputs, "allowedUses", "allowed_uses")) allowedUses(out, inputs);
    atLeast(out, "earlyRenewalHours", "early_renewal_hours", inputs.earlyRenewalHours, 0);
    atLeast(out, "maxPathLength", "max_path_length", inputs.maxPathLength, -1);
    return out;
}

/** tls.CertRequest — hashicorp/terraform-provider-tls@d72d90e:internal/provider/resource_cert_request.go. */
export function checkTlsCertRequest(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    required(out, inputs, "privateKeyPem", "private_key_pem");
    elementsNotEmpty(out, "ipAddresses", "ip_addresses", inputs.ipAddresses);
    elementsNotEmpty(out, "uris", "uris", inputs.uris);
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// random — terraform-plugin-framework resources

/**
 * random.RandomPassword — hashicorp/terraform-provider-random@f8d869dc:internal/provider/resource_password.go
 * passwordSchemaV3: "length" Required, AtLeast(1), AtLeastSumOf(min_upper, min_lower, min_numeric, min_special);
 * "number"/"numeric" validators.AtLeastOneOfTrue(special, upper, lower) (internal/validators/boolvalidator.go:
 * only when the attribute itself is set to false and each of the others is set to false).
 */
export function checkRandomPassword(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    if (required(out, inputs, "length", "length")) {
        const length = Number(inputs.length);
        atLeast(out, "length", "length", length, 1);
        const sum = ["minUpper", "minLower", "minNumeric", "minSpecial"].reduce((s, k) => s + Number(inputs[k] ?? 0), 0);
        if (length < sum) out.push({ property: "length", reason: `Attribute length value must be at least sum of min_upper + min_lower + min_numeric + min_special, got: ${length}` });
    }
    for (const [prop, tf] of [["number", "number"], ["numeric", "numeric"]]) {
        if (inputs[prop] === false && inputs.special === false && inputs.upper === false && inputs.lower === false) {
            out.push({ property: prop, reason: `At least one attribute out of [special,upper,lower,${tf}] must be specified as true` });
        }
    }
    return out;
}

/** random.RandomId — hashicorp/terraform-provider-random@f8d869dc:internal/provider/resource_id.go: "byte_length" Required (no validator). */
export function checkRandomId(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    required(out, inputs, "byteLength", "byte_length");
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// digitalocean — terraform-plugin-sdk v2 resources (Required → `"%s": required field is not set`)

/** SDKv2 schemaMap.Validate for a Required attribute that is absent. */
function sdkRequired(out: CheckFailure[], inputs: Record<string, any>, prop: string, tf: string): boolean {
    if (isSet(inputs[prop])) return true;
    out.push({ property: prop, reason: `Missing required argument: The argument "${tf}" is required, but no definition was found.` });
    return false;
}

/** validation.NoZeroValues on a string. */
function noZero(out: CheckFailure[], prop: string, tf: string, value: any) {
    if (!isSet(value)) return;
    if (value === "" || value === 0) out.push({ property: prop, reason: `${tf} must not be ${value === 0 ? "zero" : "empty"}, got ${value}` });
}

// digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/tag/tags.go tagNameRe + ValidateTag.
const TAG_NAME = /^[a-zA-Z0-9:\-_]{1,255}$/;
const TAG_MESSAGE = "tags may contain lowercase letters, numbers, colons, dashes, and underscores; there is a limit of 255 characters per tag";

function tagList(out: CheckFailure[], prop: string, value: any) {
    if (!Array.isArray(value)) return;
    value.forEach((t, i) => {
        if (isSet(t) && !TAG_NAME.test(String(t))) out.push({ property: `${prop}[${i}]`, reason: TAG_MESSAGE });
    });
}

/** digitalocean.Droplet — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/droplet/resource_droplet.go. */
export function checkDoDroplet(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    // image, name, size: Required + NoZeroValues. region: Optional + NoZeroValues (NOT required upstream).
    if (sdkRequired(out, inputs, "image", "image")) noZero(out, "image", "image", inputs.image);
    if (sdkRequired(out, inputs, "name", "name")) noZero(out, "name", "name", inputs.name);
    if (sdkRequired(out, inputs, "size", "size")) noZero(out, "size", "size", inputs.size);
    noZero(out, "region", "region", inputs.region);
    noZero(out, "userData", "user_data", inputs.userData);
    noZero(out, "vpcUuid", "vpc_uuid", inputs.vpcUuid);
    // gpu_partition_mode: StringInSlice([godo.GPUPartitionModeSPXNPS1, GPUPartitionModeDPXNPS2]) (vendor/github.com/digitalocean/godo/droplets.go:51-52)
    const modes = ["PARTITION_MODE_SPX_NPS1", "PARTITION_MODE_DPX_NPS2"];
    if (isSet(inputs.gpuPartitionMode) && !modes.includes(inputs.gpuPartitionMode)) {
        out.push({ property: "gpuPartitionMode", reason: `expected gpu_partition_mode to be one of ${qList(modes)}, got ${inputs.gpuPartitionMode}` });
    }
    // ssh_keys: elements NoZeroValues
    (Array.isArray(inputs.sshKeys) ? inputs.sshKeys : []).forEach((k: any, i: number) => noZero(out, `sshKeys[${i}]`, `ssh_keys.${i}`, k));
    // tags: tag.TagsSchema() → ValidateTag per element
    tagList(out, "tags", inputs.tags);
    // backup_policy: plan in [daily weekly], weekday in [SUN..SAT], hour IntBetween(0, 20)
    const bp = inputs.backupPolicy;
    if (bp && typeof bp === "object") {
        if (isSet(bp.plan) && !["daily", "weekly"].includes(bp.plan)) out.push({ property: "backupPolicy.plan", reason: `expected backup_policy.0.plan to be one of ${qList(["daily", "weekly"])}, got ${bp.plan}` });
        const days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        if (isSet(bp.weekday) && !days.includes(bp.weekday)) out.push({ property: "backupPolicy.weekday", reason: `expected backup_policy.0.weekday to be one of ${qList(days)}, got ${bp.weekday}` });
        if (isSet(bp.hour) && (bp.hour < 0 || bp.hour > 20)) out.push({ property: "backupPolicy.hour", reason: `expected backup_policy.0.hour to be in the range (0 - 20), got ${bp.hour}` });
    }
    return out;
}

/** digitalocean.SshKey — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/sshkey/resource_ssh_key.go: name, public_key Required + NoZeroValues. */
export function checkDoSshKey(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    if (sdkRequired(out, inputs, "name", "name")) noZero(out, "name", "name", inputs.name);
    if (sdkRequired(out, inputs, "publicKey", "public_key")) noZero(out, "publicKey", "public_key", inputs.publicKey);
    // No key-format check at Check: a malformed key is refused by the API at Create.
    return out;
}

/** digitalocean.Vpc — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/vpc/resource_vpc.go. */
export function checkDoVpc(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    if (sdkRequired(out, inputs, "name", "name")) noZero(out, "name", "name", inputs.name);
    if (sdkRequired(out, inputs, "region", "region")) noZero(out, "region", "region", inputs.region);
    // description: validation.StringLenBetween(0, 255)
    if (isSet(inputs.description) && String(inputs.description).length > 255) {
        out.push({ property: "description", reason: `expected length of description to be in the range (0 - 255), got ${inputs.description}` });
    }
    // ip_range: validation.IsCIDR (net.ParseCIDR; any prefix, any address space)
    if (isSet(inputs.ipRange) && !isCidr(String(inputs.ipRange))) {
        out.push({ property: "ipRange", reason: `expected "ip_range" to be a valid IPv4 Value, got ${inputs.ipRange}: invalid CIDR address: ${inputs.ipRange}` });
    }
    return out;
}

/** What Go's net.ParseCIDR accepts (IPv4 dotted quad or IPv6, then /prefix within the address length). */
export function isCidr(s: string): boolean {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
    if (!m) return false;
    const prefix = Number(m[2]);
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(m[1]);
    if (v4) return v4.slice(1).every((o) => Number(o) <= 255 && !(o.length > 1 && o.startsWith("0"))) && prefix <= 32;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require("net").isIPv6(m[1]) && prefix <= 128;
}

/** digitalocean.Tag — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/tag/resource_tag.go: name Required, ValidateTag. */
export function checkDoTag(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    if (sdkRequired(out, inputs, "name", "name") && !TAG_NAME.test(String(inputs.name))) out.push({ property: "name", reason: TAG_MESSAGE });
    return out;
}

/**
 * digitalocean.Firewall — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/firewall/firewalls.go
 * firewallSchema/firewallRuleSchema (Check) and resource_firewall.go CustomizeDiff (preview's Diff: at least one
 * rule; `port_range` unless protocol is icmp). An ICMP rule WITH a port range passes both; only the API judges it.
 */
export function checkDoFirewall(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    if (sdkRequired(out, inputs, "name", "name")) noZero(out, "name", "name", inputs.name);
    tagList(out, "tags", inputs.tags);
    const protocols = ["tcp", "udp", "icmp"];
    const rules = (prop: "inboundRules" | "outboundRules", prefix: "source" | "destination") => {
        const list = Array.isArray(inputs[prop]) ? inputs[prop] : [];
        list.forEach((r: any, i: number) => {
            const p = `${prop}[${i}]`;
            if (!isSet(r?.protocol)) out.push({ property: `${p}.protocol`, reason: `Missing required argument: The argument "protocol" is required, but no definition was found.` });
            else if (!protocols.includes(r.protocol)) out.push({ property: `${p}.protocol`, reason: `expected protocol to be one of ${qList(protocols)}, got ${r.protocol}` });
            noZero(out, `${p}.portRange`, "port_range", r?.portRange);
            (Array.isArray(r?.[`${prefix}Addresses`]) ? r[`${prefix}Addresses`] : []).forEach((a: any, j: number) => noZero(out, `${p}.${prefix}Addresses[${j}]`, `${prefix}_addresses`, a));
            tagList(out, `${p}.${prefix}Tags`, r?.[`${prefix}Tags`]);
            // <prefix>_load_balancer_uids: elements NoZeroValues (firewalls.go line 105)
            (Array.isArray(r?.[`${prefix}LoadBalancerUids`]) ? r[`${prefix}LoadBalancerUids`] : []).forEach((u: any, j: number) =>
                noZero(out, `${p}.${prefix}LoadBalancerUids[${j}]`, `${prefix}_load_balancer_uids`, u),
            );
        });
        return list as any[];
    };
    const inbound = rules("inboundRules", "source");
    const outbound = rules("outboundRules", "destination");
    // CustomizeDiff
    if (!inbound.length && !outbound.length) out.push({ reason: "At least one rule must be specified" });
    else if (inbound.some((r) => r?.protocol !== "icmp" && !r?.portRange)) out.push({ reason: "`port_range` of inbound rules is required if protocol is `tcp` or `udp`" });
    else if (outbound.some((r) => r?.protocol !== "icmp" && !r?.portRange)) out.push({ reason: "`port_range` of outbound rules is required if protocol is `tcp` or `udp`" });
    return out;
}

/** validation.StringInSlice (`ignoreCase` compares case-insensitively, as the helper's second argument does). */
function inSlice(out: CheckFailure[], prop: string, tf: string, value: any, values: readonly string[], ignoreCase = false) {
    if (!isSet(value)) return;
    const v = String(value);
    if (!values.some((x) => (ignoreCase ? x.toLowerCase() === v.toLowerCase() : x === v))) {
        out.push({ property: prop, reason: `expected ${tf} to be one of ${qList(values)}, got ${v}` });
    }
}

/** validation.IntBetween. */
function intBetween(out: CheckFailure[], prop: string, tf: string, value: any, min: number, max: number) {
    if (!isSet(value)) return;
    if (Number(value) < min || Number(value) > max) out.push({ property: prop, reason: `expected ${tf} to be in the range (${min} - ${max}), got ${value}` });
}

/** Required attribute of a nested block (SDKv2 reports the block path). */
function nestedRequired(out: CheckFailure[], obj: any, prop: string, key: string, tf: string): boolean {
    if (isSet(obj?.[key])) return true;
    out.push({ property: `${prop}.${key}`, reason: `Missing required argument: The argument "${tf}" is required, but no definition was found.` });
    return false;
}

/**
 * digitalocean.LoadBalancer — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/loadbalancer/
 * resource_loadbalancer.go: resourceDigitalOceanLoadBalancerV0/V1 (Check) and the resource's CustomizeDiff
 * (the preview's Diff): health check `path` required for http/https and refused for tcp; sticky sessions
 * `cookies` need cookie_name and cookie_ttl_seconds (the upstream messages say `cookie`), `none` refuses them;
 * loadbalancerDiffCheck: a region unless `type` is GLOBAL. `name` is Required upstream, but the Pulumi bridge fills
 * an absent one (autonaming: pulumi/pulumi-digitalocean@v4.80.1 sdk `name?`), so only an empty one is refused.
 * Forwarding rules are a TypeSet: upstream keys them by hash, reported here by index.
 */
export function checkDoLoadBalancer(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    noZero(out, "name", "name", inputs.name);
    inSlice(out, "size", "size", inputs.size, ["lb-small", "lb-medium", "lb-large"]);
    intBetween(out, "sizeUnit", "size_unit", inputs.sizeUnit, 1, 200);
    inSlice(out, "algorithm", "algorithm", inputs.algorithm, ["round_robin", "least_connections"]);
    const rules = Array.isArray(inputs.forwardingRules) ? inputs.forwardingRules : [];
    if (rules.length && isSet(inputs.glbSettings)) out.push({ property: "forwardingRules", reason: `"forwarding_rule": conflicts with glb_settings` });
    rules.forEach((r: any, i: number) => {
        const p = `forwardingRules[${i}]`;
        const tf = `forwarding_rule.${i}`;
        if (nestedRequired(out, r, p, "entryProtocol", "entry_protocol")) inSlice(out, `${p}.entryProtocol`, `${tf}.entry_protocol`, r.entryProtocol, ["http", "https", "http2", "http3", "tcp", "udp"]);
        if (nestedRequired(out, r, p, "entryPort", "entry_port")) intBetween(out, `${p}.entryPort`, `${tf}.entry_port`, r.entryPort, 1, 65535);
        if (nestedRequired(out, r, p, "targetProtocol", "target_protocol")) inSlice(out, `${p}.targetProtocol`, `${tf}.target_protocol`, r.targetProtocol, ["http", "https", "http2", "tcp", "udp"]);
        if (nestedRequired(out, r, p, "targetPort", "target_port")) intBetween(out, `${p}.targetPort`, `${tf}.target_port`, r.targetPort, 1, 65535);
        noZero(out, `${p}.certificateId`, `${tf}.certificate_id`, r.certificateId);
        noZero(out, `${p}.certificateName`, `${tf}.certificate_name`, r.certificateName);
    });
    const hc = inputs.healthcheck;
    if (hc && typeof hc === "object") {
        const p = "healthcheck";
        if (nestedRequired(out, hc, p, "protocol", "protocol")) inSlice(out, `${p}.protocol`, "healthcheck.0.protocol", hc.protocol, ["http", "https", "tcp"]);
        if (nestedRequired(out, hc, p, "port", "port")) intBetween(out, `${p}.port`, "healthcheck.0.port", hc.port, 1, 65535);
        noZero(out, `${p}.path`, "healthcheck.0.path", hc.path);
        intBetween(out, `${p}.checkIntervalSeconds`, "healthcheck.0.check_interval_seconds", hc.checkIntervalSeconds, 3, 300);
        intBetween(out, `${p}.responseTimeoutSeconds`, "healthcheck.0.response_timeout_seconds", hc.responseTimeoutSeconds, 3, 300);
        intBetween(out, `${p}.unhealthyThreshold`, "healthcheck.0.unhealthy_threshold", hc.unhealthyThreshold, 2, 10);
        intBetween(out, `${p}.healthyThreshold`, "healthcheck.0.healthy_threshold", hc.healthyThreshold, 2, 10);
        // CustomizeDiff
        const hasPath = isSet(hc.path) && hc.path !== "";
        if (hc.protocol === "http" && !hasPath) out.push({ reason: "health check `path` is required for when protocol is `http`" });
        else if (hc.protocol === "https" && !hasPath) out.push({ reason: "health check `path` is required for when protocol is `https`" });
        else if (hc.protocol !== "http" && hc.protocol !== "https" && hasPath) out.push({ reason: "health check `path` is not allowed for when protocol is `tcp`" });
    }
    const ss = inputs.stickySessions;
    if (ss && typeof ss === "object") {
        inSlice(out, "stickySessions.type", "sticky_sessions.0.type", ss.type, ["cookies", "none"]);
        if (isSet(ss.cookieName) && (String(ss.cookieName).length < 2 || String(ss.cookieName).length > 40)) {
            out.push({ property: "stickySessions.cookieName", reason: `expected length of sticky_sessions.0.cookie_name to be in the range (2 - 40), got ${ss.cookieName}` });
        }
        if (isSet(ss.cookieTtlSeconds) && Number(ss.cookieTtlSeconds) < 1) {
            out.push({ property: "stickySessions.cookieTtlSeconds", reason: `expected sticky_sessions.0.cookie_ttl_seconds to be at least (1), got ${ss.cookieTtlSeconds}` });
        }
        // CustomizeDiff (type defaults to "none"; GetOk treats "" and 0 as unset)
        const hasName = isSet(ss.cookieName) && ss.cookieName !== "";
        const hasTtl = isSet(ss.cookieTtlSeconds) && Number(ss.cookieTtlSeconds) !== 0;
        if ((ss.type ?? "none") === "cookies") {
            if (!hasName) out.push({ reason: "sticky sessions `cookie_name` is required for when type is `cookie`" });
            else if (!hasTtl) out.push({ reason: "sticky sessions `cookie_ttl_seconds` is required for when type is `cookie`" });
        } else if (hasName) out.push({ reason: "sticky sessions `cookie_name` is not allowed for when type is `none`" });
        else if (hasTtl) out.push({ reason: "sticky sessions `cookie_ttl_seconds` is not allowed for when type is `none`" });
    }
    if (Array.isArray(inputs.dropletIds) && inputs.dropletIds.length && isSet(inputs.dropletTag)) out.push({ property: "dropletIds", reason: `"droplet_ids": conflicts with droplet_tag` });
    if (isSet(inputs.dropletTag) && !TAG_NAME.test(String(inputs.dropletTag))) out.push({ property: "dropletTag", reason: TAG_MESSAGE });
    noZero(out, "vpcUuid", "vpc_uuid", inputs.vpcUuid);
    noZero(out, "subnetUuid", "subnet_uuid", inputs.subnetUuid);
    if (isSet(inputs.subnetUuid) && !isSet(inputs.vpcUuid)) out.push({ property: "subnetUuid", reason: `"subnet_uuid": all of \`subnet_uuid,vpc_uuid\` must be specified` });
    inSlice(out, "type", "type", inputs.type, ["REGIONAL", "GLOBAL", "REGIONAL_NETWORK"], true);
    inSlice(out, "network", "network", inputs.network, ["EXTERNAL", "INTERNAL"], true);
    inSlice(out, "networkStack", "network_stack", inputs.networkStack, ["IPV4", "DUALSTACK"], true);
    inSlice(out, "tlsCipherPolicy", "tls_cipher_policy", inputs.tlsCipherPolicy, ["DEFAULT", "STRONG"], true);
    // loadbalancerDiffCheck (CustomizeDiff)
    const type = isSet(inputs.type) && inputs.type !== "" ? String(inputs.type) : undefined;
    const region = isSet(inputs.region) && inputs.region !== "" ? String(inputs.region) : undefined;
    if (!type && !region) out.push({ reason: "missing 'region' value" });
    else if (type?.toUpperCase() === "GLOBAL" && region) out.push({ reason: `'region' must be empty or not set when 'type' is '${type}'` });
    else if ((type?.toUpperCase() === "REGIONAL" || type?.toUpperCase() === "REGIONAL_NETWORK") && !region) out.push({ reason: `'region' must be set and not be empty when 'type' is '${type}'` });
    return out;
}

/**
 * digitalocean.Certificate — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/certificate/
 * resource_certificate.go: name/private_key/leaf_certificate/certificate_chain NoZeroValues, `domains`
 * ConflictsWith the three PEM fields, `type` in [custom lets_encrypt] (default custom). The provider's Create
 * refuses `custom` without private_key or leaf_certificate before calling the API
 * (resourceDigitalOceanCertificateCreate: "`private_key` is required for when type is `custom` or empty") —
 * at `pulumi up`, not at preview; emulated here because the mocks stand for both.
 */
export function checkDoCertificate(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    noZero(out, "name", "name", inputs.name);
    for (const [prop, tf] of [["privateKey", "private_key"], ["leafCertificate", "leaf_certificate"], ["certificateChain", "certificate_chain"]]) {
        noZero(out, prop, tf, inputs[prop]);
        if (isSet(inputs[prop]) && Array.isArray(inputs.domains) && inputs.domains.length) out.push({ property: "domains", reason: `"domains": conflicts with ${tf}` });
    }
    inSlice(out, "type", "type", inputs.type, ["custom", "lets_encrypt"]);
    const type = inputs.type ?? "custom";
    if (type === "custom") {
        if (!isSet(inputs.privateKey) || inputs.privateKey === "") out.push({ reason: "`private_key` is required for when type is `custom` or empty" });
        else if (!isSet(inputs.leafCertificate) || inputs.leafCertificate === "") out.push({ reason: "`leaf_certificate` is required for when type is `custom` or empty" });
    } else if (type === "lets_encrypt" && !(Array.isArray(inputs.domains) && inputs.domains.length)) {
        out.push({ reason: "`domains` is required for when type is `lets_encrypt`" });
    }
    return out;
}

// godo@vendored (digitalocean/terraform-provider-digitalocean@v2.99.1:vendor/github.com/digitalocean/godo/monitoring.go)
export const DO_MONITOR_ALERT_TYPES = [
    "v1/insights/droplet/cpu", "v1/insights/droplet/memory_utilization_percent", "v1/insights/droplet/disk_utilization_percent",
    "v1/insights/droplet/public_outbound_bandwidth", "v1/insights/droplet/public_inbound_bandwidth",
    "v1/insights/droplet/private_outbound_bandwidth", "v1/insights/droplet/private_inbound_bandwidth",
    "v1/insights/droplet/disk_read", "v1/insights/droplet/disk_write",
    "v1/insights/droplet/load_1", "v1/insights/droplet/load_5", "v1/insights/droplet/load_15",
    "v1/insights/lbaas/avg_cpu_utilization_percent", "v1/insights/lbaas/connection_utilization_percent",
    "v1/insights/lbaas/droplet_health", "v1/insights/lbaas/tls_connections_per_second_utilization_percent",
    "v1/insights/lbaas/increase_in_http_error_rate_percentage_4xx", "v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx",
    "v1/insights/lbaas/increase_in_http_error_rate_count_4xx", "v1/insights/lbaas/increase_in_http_error_rate_count_5xx",
    "v1/insights/lbaas/high_http_request_response_time", "v1/insights/lbaas/high_http_request_response_time_50p",
    "v1/insights/lbaas/high_http_request_response_time_95p", "v1/insights/lbaas/high_http_request_response_time_99p",
    "v1/dbaas/alerts/load_15_alerts", "v1/dbaas/alerts/memory_utilization_alerts",
    "v1/dbaas/alerts/disk_utilization_alerts", "v1/dbaas/alerts/cpu_alerts",
] as const;

/**
 * digitalocean.MonitorAlert — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/monitoring/
 * resource_monitor_alert.go: type (Required, StringInSlice of godo's constants), compare (Required,
 * GreaterThan/LessThan), description (Required), value (Required, FloatAtLeast(0)), alerts (Required, MaxItems 1;
 * slack channel/url StringIsNotEmpty), entities (MinItems 1), window (Required, 5m/10m/30m/1h), tags (ValidateTag).
 */
export function checkDoMonitorAlert(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    if (sdkRequired(out, inputs, "type", "type")) inSlice(out, "type", "type", inputs.type, DO_MONITOR_ALERT_TYPES);
    if (sdkRequired(out, inputs, "compare", "compare")) inSlice(out, "compare", "compare", inputs.compare, ["GreaterThan", "LessThan"]);
    sdkRequired(out, inputs, "description", "description");
    if (sdkRequired(out, inputs, "value", "value") && Number(inputs.value) < 0) {
        out.push({ property: "value", reason: `expected value to be at least (${(0).toFixed(6)}), got ${Number(inputs.value).toFixed(6)}` });
    }
    if (sdkRequired(out, inputs, "window", "window")) inSlice(out, "window", "window", inputs.window, ["5m", "10m", "30m", "1h"]);
    if (sdkRequired(out, inputs, "alerts", "alerts")) {
        ((inputs.alerts?.slacks as any[]) ?? []).forEach((s, i) => {
            for (const k of ["channel", "url"]) {
                if (!isSet(s?.[k])) out.push({ property: `alerts.slacks[${i}].${k}`, reason: `Missing required argument: The argument "${k}" is required, but no definition was found.` });
                else if (s[k] === "") out.push({ property: `alerts.slacks[${i}].${k}`, reason: `expected "alerts.0.slack.${i}.${k}" to not be an empty string, got ` });
            }
        });
    }
    if (Array.isArray(inputs.entities) && inputs.entities.length === 0) out.push({ property: "entities", reason: "Attribute entities requires 1 item minimum, but config has only 0 declared" });
    tagList(out, "tags", inputs.tags);
    return out;
}

/**
 * digitalocean.UptimeCheck — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/uptime/
 * resource_uptime_check.go: target Required (no validator), type in [ping http https] (default https), regions
 * free-form; name Required upstream but autonamed by the bridge.
 */
export function checkDoUptimeCheck(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    sdkRequired(out, inputs, "target", "target");
    inSlice(out, "type", "type", inputs.type, ["ping", "http", "https"]);
    return out;
}

/**
 * digitalocean.UptimeAlert — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/uptime/
 * resource_uptime_alert.go: check_id and notifications Required, type Required in [latency down down_global
 * ssl_expiry], comparison in [greater_than less_than], period in [2m 3m 5m 10m 15m 30m 1h]; name autonamed.
 */
export function checkDoUptimeAlert(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    sdkRequired(out, inputs, "checkId", "check_id");
    if (sdkRequired(out, inputs, "type", "type")) inSlice(out, "type", "type", inputs.type, ["latency", "down", "down_global", "ssl_expiry"]);
    inSlice(out, "comparison", "comparison", inputs.comparison, ["greater_than", "less_than"]);
    inSlice(out, "period", "period", inputs.period, ["2m", "3m", "5m", "10m", "15m", "30m", "1h"]);
    sdkRequired(out, inputs, "notifications", "notifications");
    return out;
}

/**
 * digitalocean.DatabaseCluster — digitalocean/terraform-provider-digitalocean@v2.99.1:
 * digitalocean/database/resource_database_cluster.go resourceDigitalOceanDatabaseCluster: name, engine, size, region,
 * node_count Required + NoZeroValues (node_count 0 is "zero"); version Optional in the schema but required by
 * CustomizeDiff transitionVersionToRequired (`The argument "version" is required, but no definition was found.`);
 * eviction_policy, private_network_uuid, project_id NoZeroValues; tags tag.TagsSchema(); CustomizeDiff
 * validateExclusiveAttributes: eviction_policy only for redis/valkey, sql_mode only for mysql. Engine, version, size
 * and eviction values are NOT checked by the provider (only the API judges them; the docs list `noeviction`,
 * `allkeys_lru`, `allkeys_random`, `volatile_lru`, `volatile_random`, `volatile_ttl`).
 */
export function checkDoDatabaseCluster(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    for (const [prop, tf] of [["name", "name"], ["engine", "engine"], ["size", "size"], ["region", "region"], ["nodeCount", "node_count"]]) {
        if (sdkRequired(out, inputs, prop, tf)) noZero(out, prop, tf, inputs[prop]);
    }
    noZero(out, "evictionPolicy", "eviction_policy", inputs.evictionPolicy);
    noZero(out, "privateNetworkUuid", "private_network_uuid", inputs.privateNetworkUuid);
    noZero(out, "projectId", "project_id", inputs.projectId);
    tagList(out, "tags", inputs.tags);
    if (!isSet(inputs.version) || inputs.version === "") out.push({ reason: `The argument "version" is required, but no definition was found.` });
    const engine = inputs.engine;
    if (isSet(inputs.sqlMode) && inputs.sqlMode !== "" && engine !== "mysql") out.push({ reason: "sql_mode is only supported for MySQL Database Clusters" });
    if (isSet(inputs.evictionPolicy) && inputs.evictionPolicy !== "" && engine !== "redis" && engine !== "valkey") {
        out.push({ reason: "eviction_policy is only supported for Redis or Valkey Database Clusters" });
    }
    return out;
}

/** The rule types digitalocean_database_firewall accepts (resource_database_firewall.go, StringInSlice). */
export const DO_DATABASE_FIREWALL_RULE_TYPES = ["ip_addr", "droplet", "k8s", "tag", "app"] as const;

/**
 * digitalocean.DatabaseFirewall — digitalocean/terraform-provider-digitalocean@v2.99.1:
 * digitalocean/database/resource_database_firewall.go: cluster_id Required + NoZeroValues; rule Required (a set);
 * rule.type Required, StringInSlice(["ip_addr","droplet","k8s","tag","app"], false); rule.value Required + NoZeroValues.
 */
export function checkDoDatabaseFirewall(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    if (sdkRequired(out, inputs, "clusterId", "cluster_id")) noZero(out, "clusterId", "cluster_id", inputs.clusterId);
    if (sdkRequired(out, inputs, "rules", "rule")) {
        (Array.isArray(inputs.rules) ? inputs.rules : []).forEach((r: any, i: number) => {
            const p = `rules[${i}]`;
            if (!isSet(r?.type)) out.push({ property: `${p}.type`, reason: `Missing required argument: The argument "type" is required, but no definition was found.` });
            else if (!(DO_DATABASE_FIREWALL_RULE_TYPES as readonly string[]).includes(r.type)) out.push({ property: `${p}.type`, reason: `expected rule.${i}.type to be one of ${qList(DO_DATABASE_FIREWALL_RULE_TYPES)}, got ${r.type}` });
            if (!isSet(r?.value)) out.push({ property: `${p}.value`, reason: `Missing required argument: The argument "value" is required, but no definition was found.` });
            else noZero(out, `${p}.value`, "value", r.value);
        });
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// command — pulumi-go-provider infer resources

/**
 * command.remote.Command — pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/command.go (CommandInputs:
 * `connection` without `optional`), remote/connection.go (connectionBase: `host` without `optional`; Proxy the
 * same). remote.Command has no custom Check, so pulumi/pulumi-go-provider@v1.3.0:infer/resource.go DefaultCheck
 * decodes with pulumi/pulumi sdk util/mapper (errors.go NewMissingError: `Missing required field '%v' on '%v'`).
 *
 * `logging` is NOT checked: remote/logging.go declares the enum (stdout, stderr, stdoutAndStderr, none) only for
 * the schema; DefaultCheck decodes any string into `Logging`, and ShouldLogStdout/Stderr treat an unknown value
 * as "log nothing". The SDK type (`command.types.enums.remote.Logging`) is what keeps a typo out.
 */
export function checkCommandRemote(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    const conn = inputs.connection;
    if (!isSet(conn)) {
        out.push({ property: "connection", reason: "Missing required field 'connection' on 'remote.CommandInputs'" });
        return out;
    }
    if (!isSet(conn.host)) out.push({ property: "connection.host", reason: "Missing required field 'host' on 'remote.Connection'" });
    if (isSet(conn.proxy) && !isSet(conn.proxy.host)) out.push({ property: "connection.proxy.host", reason: "Missing required field 'host' on 'remote.ProxyConnection'" });
    return out;
}


// ---------------------------------------------------------------------------------------------------------
// digitalocean Spaces (DirectoryBackup's bucket and its key; issue 13)

/**
 * SpacesRegions — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/spaces/spaces_entities.go:16 (the
 * same list as components/render/backup.ts SPACES_REGIONS, which validates `gluu:backupRegion` before this runs).
 */
export const DO_SPACES_REGIONS = ["ams3", "atl1", "blr1", "fra1", "lon1", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1"] as const;

/**
 * digitalocean.SpacesBucket — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/spaces/resource_spaces_bucket.go:34-205:
 * name Required (no validator); region Optional, default nyc3, StringInSlice(SpacesRegions, ignoreCase=true);
 * lifecycle_rule[].enabled Required, .id StringLenBetween(0, 255), .expiration (MaxItems 1) .days IntAtLeast(0), .date
 * an RFC 3339 date (validateS3BucketLifecycleTimestamp, :808-817), .noncurrent_version_expiration.days IntAtLeast(1).
 * The prefix validator only warns (a leading "/"), so it is not a failure. Spaces credentials are not checked at
 * Check: SpacesClient fails at Create when they are missing (digitalocean/config/config.go:42-46).
 */
export function checkDoSpacesBucket(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    sdkRequired(out, inputs, "name", "name");
    if (isSet(inputs.region) && !DO_SPACES_REGIONS.includes(String(inputs.region).toLowerCase() as any)) {
        out.push({ property: "region", reason: `expected region to be one of ${qList(DO_SPACES_REGIONS)}, got ${inputs.region}` });
    }
    (Array.isArray(inputs.lifecycleRules) ? inputs.lifecycleRules : []).forEach((r: any, i: number) => {
        if (!r || typeof r !== "object") return;
        const tf = `lifecycle_rule.${i}`;
        if (!isSet(r.enabled)) out.push({ property: `lifecycleRules[${i}].enabled`, reason: `Missing required argument: The argument "${tf}.enabled" is required, but no definition was found.` });
        if (isSet(r.id) && String(r.id).length > 255) out.push({ property: `lifecycleRules[${i}].id`, reason: `expected length of ${tf}.id to be in the range (0 - 255), got ${r.id}` });
        const e = r.expiration;
        if (e && isSet(e.days) && e.days < 0) out.push({ property: `lifecycleRules[${i}].expiration.days`, reason: `expected ${tf}.expiration.0.days to be at least (0), got ${e.days}` });
        if (e && isSet(e.date) && !/^\d{4}-\d{2}-\d{2}$/.test(String(e.date))) out.push({ property: `lifecycleRules[${i}].expiration.date`, reason: `${q(String(e.date))} cannot be parsed as RFC3339 Timestamp Format` });
        const n = r.noncurrentVersionExpiration;
        if (n && isSet(n.days) && n.days < 1) out.push({ property: `lifecycleRules[${i}].noncurrentVersionExpiration.days`, reason: `expected ${tf}.noncurrent_version_expiration.0.days to be at least (1), got ${n.days}` });
    });
    return out;
}

/**
 * digitalocean.SpacesKey — digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/spaces/spaces_entities.go:88-130:
 * name Required; grant[].bucket and grant[].permission Required (no validators: the API refuses a bad permission at Create).
 */
export function checkDoSpacesKey(inputs: Record<string, any>): CheckFailure[] {
    const out: CheckFailure[] = [];
    sdkRequired(out, inputs, "name", "name");
    (Array.isArray(inputs.grants) ? inputs.grants : []).forEach((g: any, i: number) => {
        for (const [prop, tf] of [["bucket", "bucket"], ["permission", "permission"]]) {
            if (!g || !isSet(g[prop])) out.push({ property: `grants[${i}].${prop}`, reason: `Missing required argument: The argument "grant.${i}.${tf}" is required, but no definition was found.` });
        }
    });
    return out;
}
// ---------------------------------------------------------------------------------------------------------

export const PROVIDER_RULES: Record<string, (inputs: Record<string, any>) => CheckFailure[]> = {
    "tls:index/privateKey:PrivateKey": checkTlsPrivateKey,
    "tls:index/selfSignedCert:SelfSignedCert": checkTlsSelfSignedCert,
    "tls:index/locallySignedCert:LocallySignedCert": checkTlsLocallySignedCert,
    "tls:index/certRequest:CertRequest": checkTlsCertRequest,
    "random:index/randomPassword:RandomPassword": checkRandomPassword,
    "random:index/randomId:RandomId": checkRandomId,
    "digitalocean:index/droplet:Droplet": checkDoDroplet,
    "digitalocean:index/sshKey:SshKey": checkDoSshKey,
    "digitalocean:index/vpc:Vpc": checkDoVpc,
    "digitalocean:index/tag:Tag": checkDoTag,
    "digitalocean:index/firewall:Firewall": checkDoFirewall,
    "digitalocean:index/databaseCluster:DatabaseCluster": checkDoDatabaseCluster,
    "digitalocean:index/databaseFirewall:DatabaseFirewall": checkDoDatabaseFirewall,
    "digitalocean:index/loadBalancer:LoadBalancer": checkDoLoadBalancer,
    "digitalocean:index/certificate:Certificate": checkDoCertificate,
    "digitalocean:index/monitorAlert:MonitorAlert": checkDoMonitorAlert,
    "digitalocean:index/uptimeCheck:UptimeCheck": checkDoUptimeCheck,
    "digitalocean:index/uptimeAlert:UptimeAlert": checkDoUptimeAlert,
    "command:remote:Command": checkCommandRemote,
    "digitalocean:index/spacesBucket:SpacesBucket": checkDoSpacesBucket,
    "digitalocean:index/spacesKey:SpacesKey": checkDoSpacesKey,
};

/** The failures the provider's Check would report (none for component and unknown types). */
export function checkResource(type: string, inputs: Record<string, any>): CheckFailure[] {
    return PROVIDER_RULES[type]?.(inputs) ?? [];
}

/** Throw what the engine prints when the provider's Check refuses these (plain, unwrapped) inputs. */
export function assertProviderAccepts(type: string, name: string, inputs: Record<string, any>): void {
    const failures = checkResource(type, inputs);
    if (failures.length) throw new ProviderCheckError(type, name, failures, inputs);
}
