/** `-o FORMAT` (kubectl's flag): the report formats --once, `attach --once` and `replay --once` print. Plain text when none is given. */
export const OUTPUT_FORMATS = ['json', 'markdown', 'wide'] as const;
export type OutputFormat = 'text' | (typeof OUTPUT_FORMATS)[number];
