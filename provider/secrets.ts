// Which schema properties are secret. The analyzer of @pulumi/pulumi@3.248.0 infers types only
// (provider/experimental/analyzer.js analyzeType sets type/$ref/items/optional/plain/description, never `secret`),
// so they are listed here; markSecrets fails when a listed property is missing, so this list cannot go stale.

/** `<resource or type name>.<property>` for inputs and types; outputs are listed separately. */
export const SECRET_INPUTS: string[] = [];
export const SECRET_OUTPUTS: string[] = [];
/** Object types (`#/types/gluu:index:<Name>`) and their secret properties. */
export const SECRET_TYPE_PROPERTIES: string[] = [];

interface Schema {
    resources: Record<string, { inputProperties: Record<string, { secret?: boolean }>; properties: Record<string, { secret?: boolean }> }>;
    types: Record<string, { properties?: Record<string, { secret?: boolean }> }>;
}

function mark(table: Record<string, { secret?: boolean }> | undefined, prop: string, what: string): void {
    if (!table || !table[prop]) {
        throw new Error(`secrets.ts lists ${what}, which the schema does not have`);
    }
    table[prop].secret = true;
}

export function markSecrets<S extends Schema>(schema: S): S {
    for (const entry of SECRET_INPUTS) {
        const [res, prop] = entry.split(".");
        mark(schema.resources[`gluu:index:${res}`]?.inputProperties, prop, `input ${entry}`);
    }
    for (const entry of SECRET_OUTPUTS) {
        const [res, prop] = entry.split(".");
        mark(schema.resources[`gluu:index:${res}`]?.properties, prop, `output ${entry}`);
    }
    for (const entry of SECRET_TYPE_PROPERTIES) {
        const [type, prop] = entry.split(".");
        mark(schema.types[`gluu:index:${type}`]?.properties, prop, `type property ${entry}`);
    }
    return schema;
}
