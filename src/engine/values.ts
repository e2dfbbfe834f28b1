import { z } from 'zod';

/**
 * The stored form of an answer (Answer.value in the database). Decimal quantities (amounts, percents, areas)
 * are kept as decimal strings so that what the operator typed is stored exactly, never as a float.
 */

export const DecimalString = z.string().regex(/^-?\d+(\.\d+)?$/);
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const ChoiceValueSchema = z.object({ value: z.string(), other: z.string().optional() });
export const MultiValueSchema = z.object({ values: z.array(z.string()), other: z.string().optional() });
export const CellValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const TableValueSchema = z.array(z.record(z.string(), CellValueSchema));
export const MatrixValueSchema = z.record(z.string(), z.record(z.string(), z.number()));
export const UploadValueSchema = z.object({
  status: z.enum(['pending', 'provided']),
  files: z.array(z.object({ name: z.string(), key: z.string().optional(), size: z.number().optional() })).default([]),
});
export const ConfirmedValueSchema = z.object({ confirmed: z.union([z.number(), z.string()]) });

export const AnswerValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  ChoiceValueSchema,
  MultiValueSchema,
  TableValueSchema,
  UploadValueSchema,
  ConfirmedValueSchema,
  MatrixValueSchema,
]);

/** One saved answer: its value (null when skipped) and the 情况说明 given for a warning, if any. */
export const StoredAnswerSchema = z.object({
  value: AnswerValueSchema.nullable(),
  skipped: z.boolean().default(false),
  note: z.string().nullish(),
});

export type AnswerValue = z.infer<typeof AnswerValueSchema>;
export type ChoiceValue = z.infer<typeof ChoiceValueSchema>;
export type MultiValue = z.infer<typeof MultiValueSchema>;
export type TableValue = z.infer<typeof TableValueSchema>;
export type MatrixValue = z.infer<typeof MatrixValueSchema>;
export type UploadValue = z.infer<typeof UploadValueSchema>;
export type StoredAnswer = z.infer<typeof StoredAnswerSchema>;

/** All answers of one declaration, keyed by question id. */
export type Answers = Record<string, StoredAnswer>;
