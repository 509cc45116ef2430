// Types of the test API server's selector parsing (selectors.mjs).

export declare class SelectorError extends Error {}
export interface Requirement { key: string; op: string; values: string[] }
export interface FieldRequirement { field: string; op: '=' | '!='; value: string }
export declare function parseLabelSelector(selector: string): Requirement[];
export declare function matchLabels(reqs: Requirement[], labels: Record<string, string> | undefined): boolean;
export declare function parseFieldSelector(selector: string, resource: 'pods' | 'nodes'): FieldRequirement[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export declare function matchFields(reqs: FieldRequirement[], resource: 'pods' | 'nodes', obj: any): boolean;
