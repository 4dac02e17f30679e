// The parts of a Pulumi package schema the component-package specs read (pulumi/pulumi@v3.248.0
// pkg/codegen/schema/pulumi.json: resources, types, property specs).

export interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    secret?: boolean;
}

export interface PackageSchema {
    name: string;
    resources: Record<string, { isComponent?: boolean; inputProperties: Record<string, SchemaProperty>; requiredInputs?: string[]; properties: Record<string, SchemaProperty> }>;
    types: Record<string, { type: string; enum?: { value: unknown }[]; properties?: Record<string, SchemaProperty> }>;
    dependencies?: { name: string; version: string }[];
}
