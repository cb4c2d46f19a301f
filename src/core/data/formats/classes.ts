// Class counts of a user's dataset. Labels are stored as bytes, so a dataset has at most
// 256 classes (every built-in has 10).
export const MAX_CLASSES = 256;

export const classCountProblem = (v: unknown): string | undefined =>
  Number.isInteger(v) && (v as number) >= 2 && (v as number) <= MAX_CLASSES ? undefined : `an integer from 2 to ${MAX_CLASSES}`;
