// The rules of `rules.ts` as @pulumi/policy policies. Type-only imports: loading this module starts nothing,
// so tests can drive the exact functions the engine calls (`index.ts` serves them).

import type { Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { RESOURCE_RULES, ResourceRule, STACK_RULES, StackResource, StackRule } from "./rules";

/**
 * The plain object behind the engine's unknown-checking proxy. Through the proxy, reading a property that is
 * unknown during preview throws and downgrades the whole policy to an advisory "can't run"; the rules
 * instead see the unknown sentinel and decide themselves (an unknown value is not a violation, a missing one is).
 */
export function rawProps(props: Record<string, any>): Record<string, any> {
    const target = (props as any)?.["__getSpecialProxyTarget"];
    return target && typeof target === "object" ? target : props;
}

/** A resource rule as a ResourceValidationPolicy. */
export function resourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcementLevel,
        validateResource: (args, reportViolation) => {
            if (!rule.types.includes(args.type)) {
                return;
            }
            const opts = { additionalSecretOutputs: args.opts?.additionalSecretOutputs };
            for (const message of rule.validate(args.type, rawProps(args.props), args.name, opts)) {
                reportViolation(message);
            }
        },
    };
}

function stackResource(r: PolicyResource): StackResource {
    const deps: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(r.propertyDependencies ?? {})) {
        deps[k] = (v ?? []).map((d) => d.urn);
    }
    return { type: r.type, name: r.name, urn: r.urn, props: rawProps(r.props), propertyDependencies: deps };
}

/** A stack rule as a StackValidationPolicy; each violation is reported against its resource. */
export function stackPolicy(rule: StackRule): StackValidationPolicy {
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcementLevel,
        validateStack: (args, reportViolation) => {
            for (const v of rule.validateStack(args.resources.map(stackResource))) {
                reportViolation(v.message, v.urn);
            }
        },
    };
}

/** Every policy of the `gluu-cluster-policies` pack. */
export const policies: Policies = [...RESOURCE_RULES.map(resourcePolicy), ...STACK_RULES.map(stackPolicy)];
