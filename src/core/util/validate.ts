// Predicates shared by every validator of user input (suites, model families, schedules).
export const positiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
